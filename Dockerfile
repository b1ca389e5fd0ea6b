# Image of the interestgraph API and CLI for docker-compose.yml (CPU build of torch is enough to
# serve; training belongs on a GPU machine or runs on CPU).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
COPY cypher ./cypher
RUN pip install --no-cache-dir .
ENV INTERESTGRAPH_HOME=/data/interestgraph
EXPOSE 8000
CMD ["interestgraph", "serve"]
