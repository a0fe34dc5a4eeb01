"""The analytics API over HTTP (FastAPI): the four KPI requests of seed 003 and the HTML report (report.py)
behind API keys with roles.

    make serve [TARGET=duckdb|postgres] [PORT=8000]     app.py, snapshot.py (what it reads)
    make api-key ROLE=manager NAME=alice                keys.py (salted scrypt hashes in a file outside git)
    make api-key-revoke NAME=alice
"""
