# syntax=docker/dockerfile:1
# Two targets from one file:
#   docker build --target serve -t chronogan:serve .   # API + worker for batch jobs, no torch (slim)
#   docker build --target full  -t chronogan:full  .   # also trains (retrain jobs, `chronogan train`)
# Versions are pinned: the base image by tag, torch by constraints.txt (CPU wheel from the PyTorch index).

FROM python:3.11.7-slim-bookworm AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CHRONOGAN_STORE=/data/models CHRONOGAN_HOST=0.0.0.0 CHRONOGAN_PORT=8000
WORKDIR /app
RUN useradd --create-home --uid 10001 chronogan && mkdir -p /data/models && chown chronogan /data/models
COPY pyproject.toml setup.py README.md constraints.txt ./
COPY chronogan ./chronogan
COPY service ./service

FROM base AS serve
# Only what serving needs is copied: setup.py builds the wheel without `chronogan.training` when training/ is absent.
# The base dependencies are exactly the serving side: fastapi, onnxruntime, numpy, pandas, pyarrow. No torch.
RUN pip install -c constraints.txt . && python -c "import importlib.util as u; assert u.find_spec('torch') is None and u.find_spec('chronogan.training') is None"
USER chronogan
VOLUME ["/data/models"]
EXPOSE 8000
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["chronogan", "serve"]

FROM base AS full
COPY training ./training
RUN pip install -c constraints.txt --extra-index-url https://download.pytorch.org/whl/cpu ".[train]"
USER chronogan
VOLUME ["/data/models"]
EXPOSE 8000
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["chronogan", "serve"]
