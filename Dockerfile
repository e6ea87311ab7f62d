FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# Static files and translations are built into the image.
RUN DEBUG=1 python manage.py collectstatic --noinput \
    && pybabel compile --use-fuzzy -d locale -D django
RUN useradd --create-home groundswell && mkdir -p var && chown -R groundswell var
USER groundswell
EXPOSE 8000
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000", "--workers", "2", "--timeout", "120", "--access-logfile", "-"]
