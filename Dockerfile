# One image for every role (api, gpu worker, cpu worker, beat); the command picks the role.
FROM node:20-bookworm-slim AS frontend
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

FROM python:3.11-slim-bookworm
WORKDIR /app
COPY pyproject.toml README.md ./
COPY backend/ backend/
COPY worker/ worker/
COPY migrations/ migrations/
COPY --from=frontend /src/backend/static backend/static
RUN pip install --no-cache-dir '.[ml]'
ENV SEGLOOP_DATA_DIR=/data
EXPOSE 8000
CMD ["segloop", "api"]
