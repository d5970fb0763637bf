"""Load test on loopback (`make loadtest`): 50 concurrent users for 60 s against gunicorn and
PostgreSQL, with zero 5xx and zero lost updates as the bar. See docs/loadtest.md.

Conveners edit shared agendas (adding items, renaming their own), developers tick their
deliverables' status, feed pollers revalidate calendar feeds and read public pages. Every change
the server acknowledges is written down by the client and checked in the database afterwards.
"""
