"""Imports: the import log, COPY and partitions, rejected files, and master data."""
