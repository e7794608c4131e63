package io.cutflow.standalone.recycle;

import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.config.KafkaConfig;
import io.cutflow.common.config.StorageConfig;
import io.cutflow.common.job.JobCodec;
import io.cutflow.common.job.JobRequest;
import io.cutflow.common.job.JobResult;
import io.cutflow.common.kafka.KafkaClients;
import io.cutflow.common.kafka.Topics;
import io.cutflow.common.store.ObjectStore;
import io.cutflow.ingest.JobSubmitter;
import io.cutflow.standalone.infra.EmbeddedStack;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;

/**
 * One isolated pipeline on a shared embedded stack: its own topics, consumer group and cutouts
 * bucket; submits jobs and reads back what the workers did (results, commits, outputs). Public for
 * the fault suite and the soak bench ({@code io.cutflow.standalone.fault}).
 */
public final class RecycleHarness implements AutoCloseable {
  public final CutflowConfig config;
  public final Topics topics;
  public final String cutouts;
  public final ObjectStore store;
  private final KafkaProducer<String, String> producer;
  private final JobSubmitter submitter;
  private final JobCodec codec = new JobCodec();
  private final Admin admin;

  public RecycleHarness(EmbeddedStack stack, String name, int partitions) {
    Map<String, String> o = new LinkedHashMap<>();
    o.put(KafkaConfig.TOPIC_JOBS.name(), name + "-jobs");
    o.put(KafkaConfig.TOPIC_RESULTS.name(), name + "-results");
    o.put(KafkaConfig.TOPIC_DEAD_LETTERS.name(), name + "-dead");
    o.put(KafkaConfig.GROUP_ID.name(), name + "-workers");
    o.put(KafkaConfig.PARTITIONS.name(), Integer.toString(partitions));
    o.put(StorageConfig.BUCKET_CUTOUTS.name(), name + "-cutouts");
    this.config = stack.config().withOverrides(o);
    this.topics = new Topics(config);
    this.cutouts = config.getString(StorageConfig.BUCKET_CUTOUTS);
    this.admin = Admin.create(KafkaClients.adminProperties(config));
    topics.ensureTopics(admin, Duration.ofSeconds(30));
    this.store = ObjectStore.fromConfig(config);
    store.ensureBucket(config.getString(StorageConfig.BUCKET_RAW));
    store.ensureBucket(cutouts);
    this.producer =
        new KafkaProducer<>(KafkaClients.producerProperties(config, name + "-submitter"));
    this.submitter =
        new JobSubmitter(
            store, producer, codec, topics, config.getString(StorageConfig.BUCKET_RAW));
  }

  /** A small PNG: a disc of a colour that depends on {@code i} on a contrasting background. */
  static byte[] image(int i, int size) {
    BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(new Color(230, 230, 225));
    g.fillRect(0, 0, size, size);
    g.setColor(Color.getHSBColor((i * 37 % 360) / 360f, 0.8f, 0.6f));
    g.fillOval(size / 4, size / 5, size / 2, size * 3 / 5);
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(img, "png", out);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out.toByteArray();
  }

  /** Uploads and publishes {@code images}; returns the job ids in order. */
  List<String> submit(List<byte[]> images) {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < images.size(); i++) {
      names.add("img-" + i + ".png");
    }
    return submit(names, images, "image/png");
  }

  /**
   * Uploads and publishes {@code images} under {@code names} (the object key ends with the name, so
   * failure messages name it); returns the job ids in order.
   */
  public List<String> submit(List<String> names, List<byte[]> images) {
    return submit(names, images, null);
  }

  private List<String> submit(List<String> names, List<byte[]> images, String contentType) {
    List<CompletableFuture<JobRequest>> fs = new ArrayList<>();
    for (int i = 0; i < images.size(); i++) {
      fs.add(
          submitter.submit(
              JobSubmitter.newJobId(), names.get(i), images.get(i), contentType, null, Map.of()));
    }
    producer.flush();
    return fs.stream().map(CompletableFuture::join).map(JobRequest::jobId).toList();
  }

  private KafkaConsumer<String, String> reader() {
    Properties p = KafkaClients.consumerProperties(config, "unused", null);
    p.remove("group.id");
    return new KafkaConsumer<>(p);
  }

  /** Every record of {@code topic} up to its end now. */
  public List<ConsumerRecord<String, String>> readAll(String topic) {
    try (KafkaConsumer<String, String> c = reader()) {
      List<TopicPartition> tps =
          c.partitionsFor(topic).stream()
              .map(pi -> new TopicPartition(topic, pi.partition()))
              .toList();
      c.assign(tps);
      c.seekToBeginning(tps);
      Map<TopicPartition, Long> end = c.endOffsets(tps);
      List<ConsumerRecord<String, String>> out = new ArrayList<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp))
          && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
          out.add(r);
        }
      }
      return out;
    }
  }

  /** Results so far, by job id. */
  public Map<String, List<JobResult>> results() {
    Map<String, List<JobResult>> out = new HashMap<>();
    for (ConsumerRecord<String, String> r : readAll(topics.results())) {
      try {
        JobResult res = codec.decodeResult(r.value());
        out.computeIfAbsent(res.jobId(), k -> new ArrayList<>()).add(res);
      } catch (Exception e) {
        throw new AssertionError(
            "undecodable result at " + r.partition() + "@" + r.offset() + ": " + r.value(), e);
      }
    }
    return out;
  }

  public Set<String> okJobIds() {
    return results().entrySet().stream()
        .filter(e -> e.getValue().stream().anyMatch(JobResult::isOk))
        .map(Map.Entry::getKey)
        .collect(Collectors.toSet());
  }

  /**
   * Waits until every job has an ok result; returns how many are missing on timeout (0 = all
   * there).
   */
  public int awaitOk(List<String> jobIds, Duration timeout, Runnable each)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    int missing = jobIds.size();
    while (System.nanoTime() < deadline) {
      Set<String> ok = okJobIds();
      missing = (int) jobIds.stream().filter(id -> !ok.contains(id)).count();
      if (missing == 0) {
        return 0;
      }
      each.run();
      Thread.sleep(500);
    }
    return missing;
  }

  /** The workers' group's committed offsets on the jobs topic. */
  Map<TopicPartition, Long> committed() {
    try {
      Map<TopicPartition, OffsetAndMetadata> m =
          admin
              .listConsumerGroupOffsets(config.getString(KafkaConfig.GROUP_ID))
              .partitionsToOffsetAndMetadata()
              .get();
      Map<TopicPartition, Long> out = new HashMap<>();
      m.forEach(
          (tp, om) -> {
            if (om != null && tp.topic().equals(topics.jobs())) {
              out.put(tp, om.offset());
            }
          });
      return out;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Committed-before-published check: take the group's committed offsets first, then the results
   * published by now; every job below a committed offset must have a result. Returns violations.
   */
  List<String> commitsAheadOfResults(List<ConsumerRecord<String, String>> jobRecords) {
    Map<TopicPartition, Long> committed = committed();
    Set<String> withResult = results().keySet();
    List<String> bad = new ArrayList<>();
    for (ConsumerRecord<String, String> r : jobRecords) {
      Long c = committed.get(new TopicPartition(r.topic(), r.partition()));
      if (c != null && r.offset() < c && !withResult.contains(r.key())) {
        bad.add(
            "job "
                + r.key()
                + " at "
                + r.partition()
                + "@"
                + r.offset()
                + " committed (offset "
                + c
                + ") without a result");
      }
    }
    return bad;
  }

  Admin admin() {
    return admin;
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
    admin.close(Duration.ofSeconds(5));
    store.close();
  }
}
