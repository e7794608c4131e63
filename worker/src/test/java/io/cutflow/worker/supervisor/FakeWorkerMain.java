package io.cutflow.worker.supervisor;

import io.cutflow.worker.inference.StopSignals;
import io.cutflow.worker.service.ExitReason;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Speaks the {@link ControlMessage} protocol without Kafka or a model: READY after FAKE_WARM_MS,
 * waits for GO, "processes" CUTFLOW_WORKER_RECYCLE_AFTER records of FAKE_RECORD_MS each, prints
 * EXIT, waits for BYE and exits 10 — or 12 when no BYE came within FAKE_BYE_WAIT_MS (default 5000),
 * which the supervisor records as a crash. FAKE_MODE=fail-start exits 1 before READY. With
 * FAKE_ENV_REPORT it writes its GLIBC_TUNABLES to that file. With FAKE_NICE_REPORT (a directory) it
 * appends its autogroup's nice just before READY ("warming=N") and after GO ("active=N") to {@code
 * <CUTFLOW_WORKER_ID>.txt} there. It prints FINISHED after each record. Its READY reports
 * CUTFLOW_WORKER_HTTP_PORT as its ops port (binding none). With FAKE_SIGTERM=drain a SIGTERM after
 * READY ends its work as a real worker's does: EXIT reason=STOPPED, then exit 0.
 *
 * <p>With FAKE_RECORDS=N it works through a scripted partition instead ({@link PoisonScript}):
 * records 0..N-1 of partition 0, FAKE_BATCH at a time, each TAKEN and DONE, and it dies by SIGKILL
 * on the offsets in FAKE_POISON — heeding the SUSPECT lines as a real worker does.
 */
public final class FakeWorkerMain {
  private FakeWorkerMain() {}

  public static void main(String[] args) throws Exception {
    String mode = System.getenv().getOrDefault("FAKE_MODE", "normal");
    long warm = Long.parseLong(System.getenv().getOrDefault("FAKE_WARM_MS", "300"));
    long perRecord = Long.parseLong(System.getenv().getOrDefault("FAKE_RECORD_MS", "20"));
    long byeWait = Long.parseLong(System.getenv().getOrDefault("FAKE_BYE_WAIT_MS", "5000"));
    int quota = Integer.parseInt(System.getenv().getOrDefault("CUTFLOW_WORKER_RECYCLE_AFTER", "0"));
    String instance = System.getenv().getOrDefault("CUTFLOW_WORKER_GROUP_INSTANCE_ID", "?");
    String envReport = System.getenv("FAKE_ENV_REPORT");
    if (envReport
        != null) { // what the supervisor put in our environment besides the cutflow settings
      java.nio.file.Files.writeString(
          java.nio.file.Path.of(envReport), "GLIBC_TUNABLES=" + System.getenv("GLIBC_TUNABLES"));
    }
    if (mode.equals("fail-start")) {
      System.err.println("fake worker failing at start");
      Runtime.getRuntime().halt(1);
    }
    String niceReport = System.getenv("FAKE_NICE_REPORT");
    String workerId = System.getenv().getOrDefault("CUTFLOW_WORKER_ID", "unknown");
    Thread.sleep(warm);
    reportNice(niceReport, workerId, "warming");
    // a real worker reports the port its ops server bound: the one it was given, or an ephemeral
    // one
    int port =
        Integer.parseInt(System.getenv().getOrDefault("CUTFLOW_WORKER_HTTP_PORT", "0").strip());
    say(new ControlMessage.Ready(ProcessHandle.current().pid(), port, warm));
    System.out.flush();
    PoisonScript script = new PoisonScript(workerId);
    CountDownLatch go = new CountDownLatch(1);
    CountDownLatch bye = new CountDownLatch(1);
    AtomicBoolean stop = new AtomicBoolean();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  ControlMessage m = ControlMessage.parse(line).orElse(null);
                  if (m instanceof ControlMessage.Suspect s) {
                    script.suspect(s, line);
                  } else if (m instanceof ControlMessage.Go) {
                    go.countDown();
                  } else if (m instanceof ControlMessage.Bye) {
                    bye.countDown();
                  } else if (m instanceof ControlMessage.Stop) {
                    break;
                  }
                }
              } catch (Exception ignored) {
                // EOF
              }
              stop.set(true);
              go.countDown();
            });
    reader.setDaemon(true);
    reader.start();
    if ("drain".equals(System.getenv("FAKE_SIGTERM"))) {
      // as a real worker does: a SIGTERM of its own ends the work and says EXIT reason=STOPPED
      StopSignals.install(
          status -> {
            stop.set(true);
            go.countDown();
            try {
              Thread.sleep(10_000); // main prints EXIT and halts first
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            return status;
          });
    }
    go.await();
    if (stop.get()) {
      say(new ControlMessage.Exit(ExitReason.STOPPED, 0, 0, 0));
      Runtime.getRuntime().halt(0);
    }
    reportNice(niceReport, workerId, "active");
    int slot = instance.endsWith("-slot-1") ? 1 : 0;
    say(new ControlMessage.Assigned(1, List.of(slot * 3, slot * 3 + 1, slot * 3 + 2)));
    long first = System.currentTimeMillis();
    say(new ControlMessage.FirstRecord(first));
    int n = script.enabled() ? script.run(stop) : 0;
    while (!stop.get() && (quota == 0 || n < quota)) {
      Thread.sleep(perRecord);
      n++;
      say(new ControlMessage.Finished(n));
    }
    long commit = System.currentTimeMillis();
    ExitReason reason = stop.get() ? ExitReason.STOPPED : ExitReason.RECYCLE_COUNT;
    say(new ControlMessage.Exit(reason, n, commit, first));
    if (stop.get()) {
      Runtime.getRuntime().halt(0);
    }
    Runtime.getRuntime()
        .halt(bye.await(byeWait, java.util.concurrent.TimeUnit.MILLISECONDS) ? 10 : 12);
  }

  private static void say(ControlMessage m) {
    System.out.println(m.encode());
    System.out.flush();
  }

  private static void reportNice(String dir, String workerId, String phase)
      throws java.io.IOException {
    if (dir != null) {
      java.nio.file.Path own =
          java.nio.file.Path.of("/proc/self/autogroup"); // "/autogroup-N nice K"
      String nice =
          java.nio.file.Files.readString(own).replaceAll("(?s).*nice\\s+(-?\\d+).*", "$1").trim();
      java.nio.file.Files.writeString(
          java.nio.file.Path.of(dir, workerId + ".txt"),
          phase + "=" + nice + "\n",
          java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.APPEND);
    }
  }
}
