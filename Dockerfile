# syntax=docker/dockerfile:1
# One image for every role: web (gunicorn), Celery worker, Celery beat, migrations.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=adcmeet.settings \
    ADCMEET_VAR_DIR=/app/var

WORKDIR /app

RUN groupadd --system --gid 10001 adcmeet \
    && useradd --system --uid 10001 --gid adcmeet --home-dir /app --shell /usr/sbin/nologin adcmeet

# Dependencies first, so a code change does not reinstall them. psycopg's binary wheel bundles
# libpq: no compiler or system libraries needed.
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt

COPY . .

# collectstatic imports the settings, which refuse to start without a SECRET_KEY when DEBUG is
# off; this throwaway key exists only in this build step, never in the image's environment.
RUN SECRET_KEY=build-time-only-collectstatic ADCMEET_VAR_DIR=/tmp/build-var \
        python manage.py collectstatic --noinput -v0 \
    && rm -rf /tmp/build-var \
    && mkdir -p /app/var \
    && chown -R adcmeet:adcmeet /app/var

USER adcmeet
EXPOSE 8000

# gthread workers: a few threads per process cover the slow requests (feeds, exports) without
# async code. WEB_CONCURRENCY (read by gunicorn) sets the number of processes.
CMD ["gunicorn", "adcmeet.wsgi:application", \
     "--bind", "0.0.0.0:8000", \
     "--worker-class", "gthread", \
     "--threads", "4", \
     "--timeout", "30", \
     "--graceful-timeout", "20", \
     "--worker-tmp-dir", "/dev/shm", \
     "--access-logfile", "-"]
