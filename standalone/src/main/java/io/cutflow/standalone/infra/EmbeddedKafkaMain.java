package io.cutflow.standalone.infra;

import java.io.PrintStream;

/**
 * Child-process main of {@link EmbeddedKafka}: formats the KRaft storage (Kafka's own {@code
 * kafka.tools.StorageTool format}, in-process so it costs no extra JVM start) and then runs the
 * broker ({@code kafka.Kafka}).
 *
 * <p>Usage: {@code EmbeddedKafkaMain <server.properties> <cluster id>}.
 */
public final class EmbeddedKafkaMain {
  private EmbeddedKafkaMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: EmbeddedKafkaMain <server.properties> <cluster id>");
      System.exit(2);
    }
    String properties = args[0];
    String clusterId = args[1];
    PrintStream out = System.out;
    int rc =
        kafka.tools.StorageTool.execute(
            new String[] {
              "format", "--cluster-id", clusterId, "--config", properties, "--ignore-formatted"
            },
            out);
    if (rc != 0) {
      System.err.println("kafka storage format failed with status " + rc);
      System.exit(rc);
    }
    kafka.Kafka.main(new String[] {properties});
  }
}
