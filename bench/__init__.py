"""Production-like benchmark of adcmeet: `make bench` (python -m bench).

Serves the app with gunicorn (gthread, DEBUG off, PostgreSQL with the psycopg pool, cached
templates, WhiteNoise compressed static files) on 127.0.0.1 against a database filled by
`manage.py generate_load_data`, measures every page from separate driver processes against a
bare Django view through the same middleware, and writes docs/benchmarks.md and
bench/results/latest.json.
"""
