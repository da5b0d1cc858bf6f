"""Import runs: check a CONTRACT §2 file and COPY it in, the inbox pickup, master data and notices."""
