FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY migrations ./migrations
RUN pip install --no-cache-dir .
ENV DATABASE_PATH=/data/reelbot.sqlite3 MEDIA_DIR=/data/media
VOLUME /data
CMD ["python", "-m", "bot"]
