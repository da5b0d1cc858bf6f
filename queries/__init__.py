"""Schema, migrations, the database engine and every SQL query of MPN Monitor."""
