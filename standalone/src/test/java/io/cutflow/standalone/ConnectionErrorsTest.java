package io.cutflow.standalone;

import io.cutflow.standalone.infra.EmbeddedKafka;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cutflow ingest} and {@code cutflow watch}, which do not wait for their dependencies as the
 * services do, given a Kafka or an object store that does not answer: one line that names the
 * address tried, the setting and its variable, and exit status 1. They used to print a Java stack
 * trace. Run as the {@code cutflow} command runs, in this JVM; a real broker where Kafka answers.
 */
class ConnectionErrorsTest {
  @TempDir Path tmp;

  /** A port on which nothing listens (taken, then given back). */
  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static void assertOneLine(CliRun r, String command, String... mentions) {
    r.assertOneLine(1, command, mentions);
  }

  private Path folderWithAFile() throws IOException {
    Path in = Files.createDirectories(tmp.resolve("in"));
    Files.write(in.resolve("a.png"), new byte[] {1, 2, 3});
    return in;
  }

  @Test
  void kafkaThatDoesNotAnswerIsNamedWithTheFix() throws Exception {
    String kafka = "127.0.0.1:" + closedPort();
    String store = "http://127.0.0.1:" + closedPort();
    // the topics are checked first (30 s), then the buckets: Kafka is what is named
    assertOneLine(
        CliRun.of(
            "ingest",
            folderWithAFile().toString(),
            "--bootstrap-servers",
            kafka,
            "--s3-endpoint",
            store),
        "ingest",
        "Kafka at " + kafka + " does not answer",
        "Fix: start it, or set cutflow.kafka.bootstrap-servers (CUTFLOW_KAFKA_BOOTSTRAP_SERVERS)");
  }

  @Test
  void anObjectStoreThatDoesNotAnswerIsNamedWithTheFix() throws Exception {
    String store = "http://127.0.0.1:" + closedPort();
    String fix = "Fix: start it, or set cutflow.s3.endpoint (CUTFLOW_S3_ENDPOINT)";
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      List<String> connection =
          List.of(
              "--bootstrap-servers",
              kafka.bootstrapServers(),
              "--s3-endpoint",
              store,
              "-D",
              "cutflow.s3.retry.attempts=2");
      assertOneLine(
          CliRun.of(args(connection, "ingest", folderWithAFile().toString())),
          "ingest",
          "the object store at " + store + " does not answer",
          fix);
      assertOneLine(
          CliRun.of(
              args(
                  connection,
                  "watch",
                  folderWithAFile().toString(),
                  "--out",
                  tmp.resolve("out").toString())),
          "watch",
          "the object store at " + store + " does not answer",
          fix);
      assertOneLine(
          CliRun.of(args(connection, "watch", "s3://cutflow-inbox")),
          "watch",
          "the object store at " + store + " does not answer",
          fix);
    }
  }

  private static String[] args(List<String> connection, String... command) {
    List<String> all = new ArrayList<>(List.of(command));
    all.addAll(connection);
    return all.toArray(String[]::new);
  }
}
