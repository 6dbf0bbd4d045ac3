FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 JUNCTION_DATA_DIR=/data
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN mkdir -p /data && SECRET_KEY=build python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["python", "manage.py", "junction_web", "--host", "0.0.0.0", "--port", "8000", "--workers", "3"]
