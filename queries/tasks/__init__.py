"""Tugas saya: everything waiting for one user, across areas, and the bulk acts on it."""
