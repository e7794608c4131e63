package io.cutflow.standalone.infra;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.kafka.KafkaClients;
import io.cutflow.common.kafka.Topics;
import io.cutflow.common.process.JavaProcess;
import io.cutflow.common.store.ObjectStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code cutflow up}'s servers come back: a real broker and S3 server, each SIGKILLed, are started
 * again on their ports with their data, and an orderly stop is not taken for a crash.
 */
class ServerRestartsTest {
  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void aKilledBrokerOrS3ServerIsStartedAgainWithItsDataButNotAfterClose() throws Exception {
    ByteArrayOutputStream terminal = new ByteArrayOutputStream();
    byte[] kept = "an object written before the kill".getBytes(StandardCharsets.UTF_8);
    JavaProcess lastKafka;
    JavaProcess lastS3;
    try (EmbeddedStack stack =
        EmbeddedStack.start(
            CutflowConfig.isolated(
                Map.of(
                    "cutflow.bucket.raw", "restart-raw", "cutflow.bucket.cutouts", "restart-c")))) {
      stack.keepServersUp(new PrintStream(terminal, true, StandardCharsets.UTF_8));
      CutflowConfig config = stack.config();
      Topics topics = new Topics(config);
      try (ObjectStore store = ObjectStore.fromConfig(config);
          KafkaProducer<String, String> producer =
              new KafkaProducer<>(KafkaClients.producerProperties(config, "restart-test"))) {
        store.put("restart-raw", "kept.bin", kept, "application/octet-stream", Map.of());
        producer
            .send(new ProducerRecord<>(topics.jobs(), "kept", "a record sent before the kill"))
            .get(30, TimeUnit.SECONDS);

        long s3Pid = stack.s3().process().pid();
        assertTrue(ProcessHandle.of(s3Pid).orElseThrow().destroyForcibly());
        await(() -> printed(terminal).contains("the S3 server runs again"), "S3 started again");
        assertTrue(stack.s3().process().pid() != s3Pid);
        assertArrayEquals(kept, store.get("restart-raw", "kept.bin", 1000), "the data is kept");

        long kafkaPid = stack.kafka().process().pid();
        assertTrue(ProcessHandle.of(kafkaPid).orElseThrow().destroyForcibly());
        await(() -> printed(terminal).contains("the Kafka broker runs again"), "Kafka again");
        assertTrue(stack.kafka().process().pid() != kafkaPid);
        assertTrue(
            readAll(config, topics.jobs()).contains("a record sent before the kill"),
            "the topic's records are kept");

        String out = printed(terminal);
        assertTrue(out.contains("after pid " + s3Pid + " exited with code 137"), out);
        assertTrue(out.contains("after pid " + kafkaPid + " exited with code 137"), out);
      }
      lastKafka = stack.kafka().process();
      lastS3 = stack.s3().process();
    }
    Thread.sleep(3000); // long enough for a restart to have begun, were one coming
    System.out.print(printed(terminal)); // what `cutflow up` shows, with the start times
    assertFalse(lastKafka.isAlive(), "the broker stays stopped after close");
    assertFalse(lastS3.isAlive(), "the S3 server stays stopped after close");
    assertFalse(printed(terminal).contains("exited with code 143"), "no restart after close");
  }

  private static String printed(ByteArrayOutputStream terminal) {
    return terminal.toString(StandardCharsets.UTF_8);
  }

  private static List<String> readAll(CutflowConfig config, String topic) {
    Properties p = KafkaClients.consumerProperties(config, null, "restart-test-reader");
    p.remove(ConsumerConfig.GROUP_ID_CONFIG);
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p)) {
      List<TopicPartition> parts =
          c.partitionsFor(topic, Duration.ofSeconds(60)).stream()
              .map(i -> new TopicPartition(topic, i.partition()))
              .toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      List<String> values = new java.util.ArrayList<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (values.isEmpty() && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(500))) {
          values.add(r.value());
        }
      }
      return values;
    }
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(100);
    }
  }
}
