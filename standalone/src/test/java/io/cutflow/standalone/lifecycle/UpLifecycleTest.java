package io.cutflow.standalone.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.store.ObjectStore;
import io.cutflow.standalone.infra.TestPhotos;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cutflow up} as a person runs it (a child JVM with the embedded broker, S3 server and one
 * worker process with the real model): its children keep the S3 secret off their command lines and
 * sit in sessions of their own (so a terminal's Ctrl-C reaches only the CLI), the HTTP API binds
 * loopback by default, and SIGTERM stops everything in order with nothing left behind.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class UpLifecycleTest {
  private static final Pattern SECRET = Pattern.compile("export CUTFLOW_S3_SECRET_KEY=(\\S+)");

  @TempDir static Path home; // static: made before @BeforeAll
  private CliProcess up;

  @BeforeAll
  void startUp() throws Exception {
    Assumptions.assumeTrue(CliProcess.modelCache().isPresent(), "no models/cache in the checkout");
    up = CliProcess.start(home, Map.of(), "up", "--workers", "1", "--port", "0");
    assertTrue(
        up.await(() -> contains(up, "cutflow is up"), Duration.ofMinutes(8)),
        "not up within 8 minutes; stderr:\n" + up.err());
  }

  @AfterAll
  void stop() throws Exception {
    if (up != null) {
      up.close();
    }
  }

  @Test
  @Order(1)
  void childrenKeepTheSecretOffTheirCommandLinesAndSitInSessionsOfTheirOwn() throws Exception {
    Matcher m = SECRET.matcher(up.out());
    assertTrue(m.find(), up.out());
    String secret = m.group(1);
    assertTrue(
        up.out().contains("HTTP API: http://127.0.0.1:"), "loopback by default:\n" + up.out());
    List<ProcessHandle> children = up.process.children().toList();
    assertTrue(children.size() >= 3, "broker, S3 server, worker: " + children);
    long cliSession = session(up.process.pid());
    boolean someoneHasItInTheEnvironment = false;
    for (ProcessHandle child : children) {
      List<String> args = arguments(child);
      assertFalse(args.isEmpty(), "arguments of " + child.pid());
      for (String arg : args) {
        assertFalse(
            arg.contains(secret), "secret on the command line of " + child.pid() + ": " + args);
      }
      assertNotEquals(cliSession, session(child.pid()), "in the CLI's session: " + args);
      someoneHasItInTheEnvironment |= environment(child.pid()).contains(secret);
    }
    // the workers get it, by the environment
    assertTrue(someoneHasItInTheEnvironment, "no child got the S3 secret");
  }

  @Test
  @Order(2)
  void anUploadToTheInboxBecomesACutoutWithNoCutflowCommand() throws Exception {
    String out = up.out();
    assertTrue(out.contains("S3 uploads: PUT cutflow-inbox/<key>"), out);
    Map<String, String> s3 = new java.util.HashMap<>();
    for (String name : List.of("ENDPOINT", "ACCESS_KEY", "SECRET_KEY")) {
      Matcher m = Pattern.compile("export CUTFLOW_S3_" + name + "=(\\S+)").matcher(out);
      assertTrue(m.find(), name + " printed:\n" + out);
      s3.put("cutflow.s3." + name.toLowerCase().replace('_', '-'), m.group(1));
    }
    Assumptions.assumeTrue(TestPhotos.dir() != null, "no shared/testdata/photos");
    TestPhotos.Photo photo = TestPhotos.load(TestPhotos.dir(), List.of("girl-1.jpg")).get(0);
    try (ObjectStore store = ObjectStore.fromConfig(CutflowConfig.isolated(s3))) {
      store.put("cutflow-inbox", "shop/a b.jpg", photo.bytes(), "image/jpeg", Map.of());
      assertTrue(
          up.await(() -> store.exists("cutflow-cutouts", "shop/a b.png"), Duration.ofMinutes(4)),
          "no cutout at cutflow-cutouts/shop/a b.png; stderr:\n" + up.err());
      BufferedImage cutout =
          ImageIO.read(
              new ByteArrayInputStream(store.get("cutflow-cutouts", "shop/a b.png", 64L << 20)));
      assertEquals(photo.width(), cutout.getWidth());
      assertEquals(photo.height(), cutout.getHeight());
    }
  }

  @Test
  @Order(3)
  void sigtermStopsEverythingAndDeletesTheData() throws Exception {
    List<Path> dataDirs = up.tempEntries("cutflow-up-");
    assertEquals(1, dataDirs.size(), "up's data directory: " + dataDirs);
    List<ProcessHandle> descendants = up.process.descendants().toList();
    assertTrue(descendants.size() >= 3, "broker, S3 server, worker: " + descendants);

    up.kill("TERM");

    assertTrue(
        up.process.waitFor(4, TimeUnit.MINUTES),
        "still running 4 minutes after SIGTERM; stderr:\n" + up.err());
    // the status of a process stopped by SIGTERM (128 + 15), once everything is down
    assertEquals(143, up.process.exitValue(), up.err());
    assertTrue(up.out().contains("cutflow stopped"), up.out());
    for (ProcessHandle p : descendants) {
      assertFalse(p.isAlive(), "left running: " + p.pid() + " " + p.info().commandLine());
    }
    assertFalse(Files.exists(dataDirs.get(0)), dataDirs.get(0) + " still there");
    assertEquals(List.of(), up.tempEntries("cutflow-"), "temp data left");
    assertEquals(List.of(), up.infoLogLinesOnStderr(), "log lines on the terminal");
  }

  private static boolean contains(CliProcess p, String text) {
    try {
      return p.out().contains(text);
    } catch (java.io.IOException e) {
      return false;
    }
  }

  /** Field 6 of /proc/PID/stat (after the parenthesised command name). */
  private static long session(long pid) throws java.io.IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[3]);
  }

  /**
   * The command line as {@code ps -eo args} shows it to every user: ProcessHandle's arguments where
   * the JDK gives them (none for a command line longer than a page, as with the class path here),
   * else /proc/PID/cmdline.
   */
  private static List<String> arguments(ProcessHandle p) throws java.io.IOException {
    java.util.Optional<String[]> args = p.info().arguments();
    if (args.isPresent()) {
      return List.of(args.get());
    }
    String raw =
        new String(
            Files.readAllBytes(Path.of("/proc/" + p.pid() + "/cmdline")), StandardCharsets.UTF_8);
    return List.of(raw.split("\0"));
  }

  private static String environment(long pid) throws java.io.IOException {
    return new String(
        Files.readAllBytes(Path.of("/proc/" + pid + "/environ")), StandardCharsets.UTF_8);
  }
}
