package io.cutflow.ingest.bucket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.codahale.metrics.MetricRegistry;
import io.cutflow.common.store.ObjectSummary;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The watcher against a listing it is handed, with Kafka's mock clients. */
class BucketWatcherTest {
  private static final TopicPartition PROGRESS = new TopicPartition("progress", 0);

  private final List<ObjectSummary> bucket = new ArrayList<>();
  private final MetricRegistry registry = new MetricRegistry();
  private final MockProducer<String, String> producer =
      new MockProducer<>(true, null, new StringSerializer(), new StringSerializer());

  private BucketWatcher watcher(List<ProducerRecord<String, String>> progressSoFar) {
    MockConsumer<String, String> consumer = new MockConsumer<>("earliest");
    consumer.updatePartitions(
        "progress",
        List.of(new PartitionInfo("progress", 0, Node.noNode(), new Node[0], new Node[0])));
    consumer.updateBeginningOffsets(Map.of(PROGRESS, 0L));
    consumer.updateEndOffsets(Map.of(PROGRESS, (long) progressSoFar.size()));
    consumer.schedulePollTask(
        () -> {
          long offset = 0;
          for (ProducerRecord<String, String> r : progressSoFar) {
            consumer.addRecord(new ConsumerRecord<>("progress", 0, offset++, r.key(), r.value()));
          }
        });
    return new BucketWatcher(
        "inbox",
        "in/",
        (b, prefix) -> {
          assertEquals("inbox", b);
          assertEquals("in/", prefix);
          return List.copyOf(bucket);
        },
        producer,
        new WatchProgress(consumer, "progress"),
        "events",
        "progress",
        registry);
  }

  private void put(String key, String eTag) {
    bucket.removeIf(o -> o.key().equals(key));
    bucket.add(new ObjectSummary("inbox", key, 10, eTag, Instant.parse("2026-12-02T08:00:00Z")));
  }

  private List<BucketEvent> events() throws Exception {
    List<BucketEvent> out = new ArrayList<>();
    for (ProducerRecord<String, String> r : producer.history()) {
      if (r.topic().equals("events")) {
        List<BucketEvent> parsed = BucketEventFormat.parse(r.value());
        assertEquals(r.key(), parsed.get(0).recordKey(), "keyed bucket/key, like MinIO");
        out.addAll(parsed);
      }
    }
    return out;
  }

  private List<ProducerRecord<String, String>> progressRecords() {
    return producer.history().stream().filter(r -> r.topic().equals("progress")).toList();
  }

  @Test
  void publishesEachNewOrChangedObjectOnceAndTombstonesWhatIsGone() throws Exception {
    BucketWatcher w = watcher(List.of());
    put("in/a b.jpg", "e1");
    put("in/sub/ü.png", "e2");
    assertEquals(2, w.scanOnce());
    assertEquals(0, w.scanOnce(), "nothing changed");
    put("in/a b.jpg", "e3");
    bucket.removeIf(o -> o.key().equals("in/sub/ü.png"));
    assertEquals(1, w.scanOnce());

    List<BucketEvent> events = events();
    assertEquals(4, events.size());
    assertEquals("in/a b.jpg", events.get(0).key());
    assertEquals("e1", events.get(0).eTag());
    assertEquals(10L, events.get(0).size());
    assertEquals("s3:ObjectCreated:Put", events.get(0).eventName());
    assertEquals("2026-12-02T08:00:00Z", events.get(0).eventTime());
    assertEquals("e3", events.get(2).eTag());
    assertEquals("s3:ObjectRemoved:Delete", events.get(3).eventName());
    assertEquals("inbox", events.get(3).bucket());
    assertEquals("in/sub/ü.png", events.get(3).key(), "the gone object's delete event");
    ProducerRecord<String, String> last = progressRecords().get(progressRecords().size() - 1);
    assertEquals("inbox/in/sub/ü.png", last.key());
    assertNull(last.value(), "a tombstone for the deleted object");
    assertEquals(0, w.scanOnce(), "a delete is published once");
    assertEquals(4, events().size());
    assertEquals(3, registry.counter("cutflow.watch.published").getCount());
    assertEquals(1, registry.counter("cutflow.watch.deletes").getCount());
    assertEquals(4, registry.counter("cutflow.watch.requests").getCount(), "one page per scan");
    assertEquals(2 + 2 + 1 + 1, registry.counter("cutflow.watch.listed").getCount());
  }

  @Test
  void aRestartedWatcherResumesFromTheProgressTopicWithoutDuplicates() throws Exception {
    put("in/a.jpg", "e1");
    put("in/b.jpg", "e2");
    assertEquals(2, watcher(List.of()).scanOnce());
    List<ProducerRecord<String, String>> progress = progressRecords();
    producer.clear();

    put("in/c.jpg", "e3");
    BucketWatcher restarted = watcher(progress);
    assertEquals(1, restarted.scanOnce(), "only the object that came while it was down");
    assertEquals(List.of("in/c.jpg"), events().stream().map(BucketEvent::key).toList());
  }
}
