# The service's one image: the API, the worker and the migrations are the same code, run with
# different commands (docker-compose.yml). Build: docker build -t jamla24-disputes .
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
# Time zones from the tzdata package the project installs, not from the OS: every worker built
# from this image computes the same business-hours deadlines.
ENV PYTHONTZPATH=""

WORKDIR /app
COPY pyproject.toml ./
COPY workflows ./workflows
COPY activities ./activities
COPY api ./api
COPY infra ./infra
COPY worker.py ./
# The project and its runtime dependencies only: no dev extras in a production image.
# Bytecode compiled now: /app is read-only to the app user, and the workers' sandbox imports the
# workflow modules afresh for every run (a load with bytecode, a compile without).
RUN pip install . \
    && python -m compileall -q workflows activities api infra worker.py \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin app

USER app
EXPOSE 8000
CMD ["uvicorn", "api.app:app", "--host", "0.0.0.0", "--port", "8000"]
