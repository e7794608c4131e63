package io.cutflow.standalone.deploy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.config.StorageConfig;
import io.cutflow.common.store.ObjectStore;
import io.cutflow.standalone.infra.TestPhotos;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.ComposeContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * docker-compose.yml brought up as it is (image built from the Dockerfile) and one photo pushed
 * through it: uploaded into the inbox bucket, MinIO's Kafka notification, the bucket bridge on the
 * ingest instances, a worker, the cutout in the cutouts bucket. Needs Docker with the compose
 * plugin: where there is none, JUnit reports this class skipped (not passed).
 */
@Testcontainers(disabledWithoutDocker = true)
class ComposeStackTest {
  // Testcontainers names a compose container <service>-<number>
  static final String INGEST = "ingest-1-1";
  static final String MINIO = "minio-1";

  @Container
  static final ComposeContainer STACK =
      new ComposeContainer(StackFiles.root().resolve("docker-compose.yml").toFile())
          .withLocalCompose(true)
          .withBuild(true)
          .withExposedService(
              INGEST,
              8080,
              Wait.forHttp("/readyz").forStatusCode(200).withStartupTimeout(Duration.ofMinutes(20)))
          .withExposedService(MINIO, 9000, Wait.forListeningPort())
          .withRemoveVolumes(true);

  @Test
  void anUploadIntoTheInboxBecomesACutout() throws Exception {
    Path photos = TestPhotos.dir();
    Assumptions.assumeTrue(photos != null, "shared/testdata/photos not found");
    byte[] photo = Files.readAllBytes(photos.resolve(TestPhotos.SMALL.get(0)));
    String endpoint =
        "http://" + STACK.getServiceHost(MINIO, 9000) + ":" + STACK.getServicePort(MINIO, 9000);
    CutflowConfig config =
        CutflowConfig.isolated(
            Map.of(
                StorageConfig.S3_ENDPOINT.name(), endpoint,
                StorageConfig.S3_ACCESS_KEY.name(), "cutflow",
                StorageConfig.S3_SECRET_KEY.name(), "cutflow-secret"));
    try (ObjectStore store = ObjectStore.fromConfig(config)) {
      store.put("cutflow-inbox", "compose/photo.jpg", photo, "image/jpeg", Map.of());
      byte[] png = null;
      long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
      while (png == null && System.nanoTime() < deadline) {
        if (store.exists("cutflow-cutouts", "compose/photo.png")) {
          png = store.get("cutflow-cutouts", "compose/photo.png", 64L << 20);
        } else {
          Thread.sleep(2000);
        }
      }
      assertNotNull(png, "no cutflow-cutouts/compose/photo.png within 10 minutes");
      assertArrayEquals(
          new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(png, 4), "a PNG cutout");
    }
  }
}
