package io.cutflow.standalone.pipeline;

import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.config.KafkaConfig;
import io.cutflow.common.config.StorageConfig;
import io.cutflow.common.kafka.KafkaClients;
import io.cutflow.common.kafka.Topics;
import io.cutflow.common.store.ObjectStore;
import io.cutflow.worker.WorkerConfig;
import io.cutflow.worker.model.ModelRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.containers.MinIOContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The same end-to-end scenario against real Kafka and MinIO containers. Needs Docker: where there
 * is none, JUnit reports this class skipped (not passed).
 */
@Testcontainers(disabledWithoutDocker = true)
class ContainerPipelineTest {
  @Container static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka:4.1.1");

  @Container
  static final MinIOContainer MINIO =
      new MinIOContainer("minio/minio:RELEASE.2025-04-22T22-12-26Z");

  @Test
  void batchWithACorruptFileAndAnOutsideProducer(@TempDir Path work) throws Exception {
    Map<String, String> overrides = new LinkedHashMap<>();
    overrides.put(KafkaConfig.BOOTSTRAP_SERVERS.name(), KAFKA.getBootstrapServers());
    overrides.put(StorageConfig.S3_ENDPOINT.name(), MINIO.getS3URL());
    overrides.put(StorageConfig.S3_ACCESS_KEY.name(), MINIO.getUserName());
    overrides.put(StorageConfig.S3_SECRET_KEY.name(), MINIO.getPassword());
    overrides.put(
        WorkerConfig.MODELS_DIR.name(), ModelRegistry.createDefault().cache().dir().toString());
    overrides.put(WorkerConfig.RECYCLE_AFTER.name(), "0");
    overrides.put(WorkerConfig.INTRA_OP_THREADS.name(), "1");
    CutflowConfig config = CutflowConfig.isolated(overrides);
    try (Admin admin = Admin.create(KafkaClients.adminProperties(config))) {
      new Topics(config).ensureTopics(admin, Duration.ofSeconds(30));
    }
    try (ObjectStore store = ObjectStore.fromConfig(config)) {
      store.ensureBucket(config.getString(StorageConfig.BUCKET_RAW));
      store.ensureBucket(config.getString(StorageConfig.BUCKET_CUTOUTS));
    }
    PipelineScenario.run(config, overrides, work);
  }
}
