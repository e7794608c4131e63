package io.cutflow.common.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutflow.common.ops.StartupWait.Dependency;
import io.cutflow.common.store.ObjectStoreException;
import io.cutflow.common.store.ObjectStoreUnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;

/** A start waits for Kafka or the store while they do not answer, and only then. */
class StartupWaitTest {
  private static final ObjectStoreUnavailableException STORE_DOWN =
      new ObjectStoreUnavailableException(
          "ensureBucket s3://cutouts/ failed after 5 attempt(s): ConnectException: refused", null);

  private static StartupWait startup(AtomicBoolean stopping) {
    return new StartupWait(
        "the worker", stopping::get, Duration.ofMillis(5), Duration.ofMillis(20), System::nanoTime);
  }

  @Test
  void aStepWhoseStoreDoesNotAnswerIsTriedAgainUntilItDoesAndReadinessSaysWhy() {
    StartupWait startup = startup(new AtomicBoolean());
    AtomicInteger calls = new AtomicInteger();
    List<String> seen = new ArrayList<>();
    String value =
        startup.until(
            Dependency.OBJECT_STORE,
            "checking the cutouts bucket cutouts",
            () -> {
              seen.add(
                  startup.waiting(Dependency.OBJECT_STORE)
                      + " "
                      + startup.waiting(Dependency.KAFKA)
                      + " "
                      + startup.reason());
              if (calls.incrementAndGet() < 4) {
                throw STORE_DOWN;
              }
              return "ok";
            });
    assertEquals("ok", value);
    assertEquals(4, calls.get());
    assertEquals("0 0 null", seen.get(0)); // not waiting before the first failure
    assertTrue(
        seen.get(3)
            .startsWith(
                "1 0 waiting for the object store (checking the cutouts bucket cutouts) for 0 s,"
                    + " 3 attempt(s); last error: "
                    + STORE_DOWN.getMessage()),
        seen.get(3));
    assertTrue(
        seen.get(3)
            .endsWith(
                "Fix: bring back the object store at cutflow.s3.endpoint;"
                    + " the worker starts by itself once it answers"),
        seen.get(3));
    assertEquals(0, startup.waiting(Dependency.OBJECT_STORE));
    assertNull(startup.reason());
  }

  @Test
  void aFirstAttemptWithoutAnAnswerIsNamedAfterAFewSecondsButCountsAsNoWaitYet() {
    AtomicLong now = new AtomicLong();
    StartupWait startup =
        new StartupWait(
            "the worker", () -> false, Duration.ofMillis(5), Duration.ofMillis(20), now::get);
    List<String> seen = new ArrayList<>();
    startup.until(
        Dependency.KAFKA,
        "checking the topics",
        () -> {
          now.addAndGet(TimeUnit.SECONDS.toNanos(4));
          seen.add(startup.waiting(Dependency.KAFKA) + " " + startup.reason());
          now.addAndGet(TimeUnit.SECONDS.toNanos(2));
          seen.add(startup.waiting(Dependency.KAFKA) + " " + startup.reason());
          return null;
        });
    // a topic check may take its 2 minutes before it fails: readiness says what it is on
    assertEquals(
        List.of("0 null", "0 waiting for Kafka (checking the topics) for 6 s, no answer yet"),
        seen);
    assertNull(startup.reason());
  }

  @Test
  void bootstrapNamesThatDoNotResolveYetAreWaitedForAndReadinessSaysWhy() {
    // what Admin.create throws while the broker's name is not in DNS (its pod or container not up):
    // workers crashed on it after loading the model, again and again
    StartupWait startup = startup(new AtomicBoolean());
    AtomicInteger calls = new AtomicInteger();
    List<String> reasons = new ArrayList<>();
    assertEquals(
        "ok",
        startup.until(
            Dependency.KAFKA,
            "checking the topics",
            () -> {
              reasons.add(startup.reason());
              if (calls.incrementAndGet() < 3) {
                throw new KafkaException(
                    "Failed to create new KafkaAdminClient",
                    new ConfigException("No resolvable bootstrap urls given in bootstrap.servers"));
              }
              return "ok";
            }));
    assertEquals(3, calls.get());
    assertTrue(
        reasons
            .get(2)
            .contains(
                "2 attempt(s); last error: Failed to create new KafkaAdminClient (No resolvable"
                    + " bootstrap urls given in bootstrap.servers). Fix: bring back Kafka at"
                    + " cutflow.kafka.bootstrap-servers"),
        reasons.get(2));
  }

  @Test
  void kafkaOutOfTimeIsWaitedForButARefusalEndsTheStartAtOnce() {
    StartupWait startup = startup(new AtomicBoolean());
    AtomicInteger calls = new AtomicInteger();
    // what Topics.ensureTopics throws when the broker does not answer within its timeout
    IllegalStateException outOfTime =
        new IllegalStateException(
            "cannot create topics [jobs]: timed out", new TimeoutException("listTopics"));
    assertEquals(
        2,
        startup.until(
            Dependency.KAFKA,
            "checking the topics",
            () -> {
              if (calls.incrementAndGet() == 1) {
                throw outOfTime;
              }
              return calls.get();
            }));

    IllegalStateException denied =
        new IllegalStateException(
            "cannot create topics [jobs]", new TopicAuthorizationException("denied"));
    AtomicInteger refusals = new AtomicInteger();
    IllegalStateException thrown =
        assertThrows(
            IllegalStateException.class,
            () ->
                startup.until(
                    Dependency.KAFKA,
                    "checking the topics",
                    () -> {
                      refusals.incrementAndGet();
                      throw denied;
                    }));
    assertSame(denied, thrown);
    assertEquals(1, refusals.get());
    assertNull(startup.reason());
  }

  @Test
  void aStoreThatAnswersWithARefusalEndsTheStartAtOnce() {
    StartupWait startup = startup(new AtomicBoolean());
    ObjectStoreException refused =
        new ObjectStoreException("ensureBucket s3://cutouts/ failed: AccessDenied", null);
    AtomicInteger calls = new AtomicInteger();
    assertSame(
        refused,
        assertThrows(
            ObjectStoreException.class,
            () ->
                startup.until(
                    Dependency.OBJECT_STORE,
                    "checking the cutouts bucket cutouts",
                    () -> {
                      calls.incrementAndGet();
                      throw refused;
                    })));
    assertEquals(1, calls.get());
    // and a store failure is no reason to wait for Kafka
    assertThrows(
        ObjectStoreUnavailableException.class,
        () ->
            startup.until(
                Dependency.KAFKA,
                "checking the topics",
                () -> {
                  throw STORE_DOWN;
                }));
  }

  @Test
  void aStopEndsTheWaitWithinItsSleep() throws Exception {
    AtomicBoolean stopping = new AtomicBoolean();
    // waits of 10 s: only the stop can end this within the test's bound
    StartupWait startup =
        new StartupWait(
            "the worker",
            stopping::get,
            Duration.ofSeconds(10),
            Duration.ofSeconds(10),
            System::nanoTime);
    AtomicInteger calls = new AtomicInteger();
    CompletableFuture<Object> waiting =
        CompletableFuture.supplyAsync(
            () ->
                startup.until(
                    Dependency.OBJECT_STORE,
                    "checking the cutouts bucket cutouts",
                    () -> {
                      calls.incrementAndGet();
                      throw STORE_DOWN;
                    }));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (startup.reason() == null && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertEquals(1, startup.waiting(Dependency.OBJECT_STORE), "waiting before the stop");
    long t0 = System.nanoTime();
    stopping.set(true);
    Throwable e = assertThrows(Exception.class, () -> waiting.get(5, TimeUnit.SECONDS)).getCause();
    assertTrue(e instanceof StartupWait.Stopped, String.valueOf(e));
    assertTrue(e.getMessage().contains("checking the cutouts bucket cutouts"), e.getMessage());
    assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(2), "ended within its sleep");
    assertEquals(1, calls.get());
    assertEquals(0, startup.waiting(Dependency.OBJECT_STORE));
  }
}
