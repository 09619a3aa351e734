# syntax=docker/dockerfile:1
# flowlog-operator image: `docker build -t flowlog-operator:0.1.0 .`
# Stage 1 builds the wheel and a virtual environment with its pinned dependencies; the final stage is a
# plain slim Python with that environment copied in, a non-root user and no compiler or pip cache.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY operator ./operator
RUN python -m venv /opt/flowlog-operator \
    && python -m pip wheel --no-deps --wheel-dir /tmp/wheels . \
    && /opt/flowlog-operator/bin/pip install /tmp/wheels/flowlog_operator-*.whl \
    && /opt/flowlog-operator/bin/flowlog-operator crd > /dev/null

FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="flowlog-operator" \
      org.opencontainers.image.description="Alibaba Cloud VPC Flow Logs as Kubernetes objects (kopf operator) and a VPC API emulator" \
      org.opencontainers.image.licenses="Apache-2.0"
# The uid/gid match the Helm chart's podSecurityContext (runAsUser 10001).
RUN groupadd --system --gid 10001 flowlog \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin flowlog
COPY --from=build /opt/flowlog-operator /opt/flowlog-operator
ENV PATH=/opt/flowlog-operator/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
USER 10001:10001
# 8080: liveness /healthz; 9090: Prometheus /metrics; 8765: the emulator (`emulator` command, demos only).
EXPOSE 8080 9090 8765
ENTRYPOINT ["flowlog-operator"]
CMD ["run"]
