# The studio's production image: gunicorn for the web, the same image for
# the Celery worker and beat (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
RUN useradd --system --create-home --home-dir /home/studio studio

COPY pyproject.toml README.md manage.py gunicorn.conf.py ./
COPY studio ./studio
COPY catalog ./catalog
COPY booking ./booking
COPY staff ./staff
COPY payments ./payments
COPY notifications ./notifications
COPY locale ./locale
RUN pip install .
# The Russian words, compiled from locale/ru (the .mo files are not in git).
RUN DEBUG=0 SECRET_KEY=compile-only ALLOWED_HOSTS=localhost \
    DATABASE_URL=sqlite:////tmp/compile.sqlite3 \
    python manage.py compile_translations

# Static files are collected at build time and served by WhiteNoise. The
# values below exist only for this step; the real ones come at run time.
RUN DEBUG=0 SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost \
    DATABASE_URL=sqlite:////tmp/collectstatic.sqlite3 \
    python manage.py collectstatic --noinput

USER studio
EXPOSE 8000
CMD ["gunicorn", "--config", "gunicorn.conf.py", "studio.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
