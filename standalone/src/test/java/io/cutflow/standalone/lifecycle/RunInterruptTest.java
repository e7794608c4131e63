package io.cutflow.standalone.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutflow.standalone.infra.TestPhotos;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ctrl-C on {@code cutflow run}: a real run (embedded broker and S3 server, one worker process with
 * the real model) on copies of the shared photos gets SIGINT once its first cutout is out. It must
 * stop everything in order, say what finished, delete its temporary data and leave no process
 * behind (it used to leave a 1 GB replacement worker orphaned and every upload in /tmp).
 */
class RunInterruptTest {
  private static final Pattern SUMMARY =
      Pattern.compile(
          "interrupted: (\\d+) of (\\d+) images done, (\\d+) failed, (\\d+) not done; cutouts in"
              + " (.+)");

  private static final int COPIES = 3;

  @TempDir Path home;

  @Test
  void sigintStopsTheRunInOrderReportsAndLeavesNothing() throws Exception {
    Path photos = TestPhotos.dir();
    Assumptions.assumeTrue(photos != null, "shared/testdata/photos not found beside the checkout");
    Assumptions.assumeTrue(CliProcess.modelCache().isPresent(), "no models/cache in the checkout");
    // Three copies of each photo: more than a worker holds at once, so the signal finds some not
    // yet taken (the worker finishes what it holds before it exits).
    Path in = Files.createDirectories(home.resolve("in"));
    int images = 0;
    try (Stream<Path> s = Files.list(photos)) {
      for (Path p : s.sorted().toList()) {
        for (int copy = 1; copy <= COPIES; copy++) {
          Files.copy(p, in.resolve("c" + copy + "-" + p.getFileName()));
          images++;
        }
      }
    }
    Path out = home.resolve("out");
    // one image in the worker's queue: a short drain after the signal
    try (CliProcess run =
        CliProcess.start(
            home.resolve("cli"),
            Map.of("CUTFLOW_WORKER_QUEUE_CAPACITY", "1"),
            "run",
            in.toString(),
            "--out",
            out.toString(),
            "--workers",
            "1")) {
      assertTrue(
          run.await(() -> pngs(out) >= 1, Duration.ofMinutes(8)),
          "no cutout within 8 minutes; stderr:\n" + run.err());
      // Asked of the JVM, not of the env that starts it (which resets SIGINT, then execs java).
      assertFalse(run.ignoresSigint(), "the CLI runs with SIGINT ignored");
      List<Path> stackDirs = run.tempEntries("cutflow-run-");
      assertEquals(1, stackDirs.size(), "the run's stack directory: " + stackDirs);
      List<ProcessHandle> descendants = run.process.descendants().toList();
      assertTrue(descendants.size() >= 3, "broker, S3 server, worker: " + descendants);

      run.kill("INT");

      assertTrue(
          run.process.waitFor(5, TimeUnit.MINUTES),
          "still running 5 minutes after SIGINT; stderr:\n" + run.err());
      assertEquals(130, run.process.exitValue(), run.err());
      Matcher m = SUMMARY.matcher(run.out());
      assertTrue(m.find(), "no summary on stdout:\n" + run.out() + "\nstderr:\n" + run.err());
      System.out.println(m.group()); // in the surefire report
      int done = Integer.parseInt(m.group(1));
      assertEquals(images, Integer.parseInt(m.group(2)));
      assertTrue(done >= 1, m.group());
      assertEquals(done, pngs(out), "done = cutouts written: " + m.group());
      assertEquals(images, done + Integer.parseInt(m.group(3)) + Integer.parseInt(m.group(4)));
      assertEquals(out.toAbsolutePath().toString(), m.group(5).trim());
      for (ProcessHandle p : descendants) {
        assertFalse(p.isAlive(), "left running: " + p.pid() + " " + p.info().commandLine());
      }
      assertFalse(Files.exists(stackDirs.get(0)), stackDirs.get(0) + " still there");
      assertEquals(List.of(), run.tempEntries("cutflow-"), "temp data left");
      // the terminal shows progress and results; the logs went to the file it named
      assertEquals(List.of(), run.infoLogLinesOnStderr(), "log lines on the terminal");
      assertEquals(1, run.logFiles().size(), "one log file: " + run.logFiles());
      assertTrue(run.err().contains("logs in " + run.logFiles().get(0)), run.err());
    }
  }

  private static long pngs(Path dir) {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.toString().endsWith(".png")).count();
    } catch (IOException e) {
      return 0;
    }
  }
}
