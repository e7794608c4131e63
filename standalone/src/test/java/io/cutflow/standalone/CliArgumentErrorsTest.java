package io.cutflow.standalone;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Arguments {@code run}, {@code up}, {@code bench} (and the other commands below) cannot work with
 * fail at once, before anything starts, with one line that names the option and the fix, and exit
 * status 2 (they used to give {@code / by zero}, a stack trace, or a port clash after 25 s of
 * start-up).
 */
class CliArgumentErrorsTest {
  @TempDir Path tmp;

  private static CliRun cutflow(String... args) {
    return CliRun.of(args);
  }

  private static void assertOneLine(CliRun r, String command, String... mentions) {
    r.assertOneLine(2, command, mentions);
  }

  @Test
  void workersBelowOneAreRefusedByRunUpAndBench() throws Exception {
    Path images = Files.createDirectories(tmp.resolve("images"));
    Files.write(images.resolve("a.jpg"), new byte[] {1});
    String out = tmp.resolve("out").toString();
    assertOneLine(
        cutflow("run", images.toString(), "--out", out, "--workers", "0"),
        "run",
        "--workers must be at least 1, got 0",
        "--workers 2");
    assertOneLine(cutflow("up", "--workers", "-1"), "up", "--workers must be at least 1, got -1");
    assertOneLine(
        cutflow("bench", images.toString(), "--workers", "0"),
        "bench",
        "--workers must be at least 1");
  }

  @Test
  void countsBelowOneAndAMissingImageAreRefusedBeforeAnyModelLoads() throws Exception {
    // bench --passes 0 used to run the whole stack and print a ratio of NaN, profile --passes 0 to
    // end in a NullPointerException, cold-start --image with a missing file in a stack trace
    Path images = Files.createDirectories(tmp.resolve("images"));
    Files.write(images.resolve("a.jpg"), new byte[] {1});
    assertOneLine(
        cutflow("bench", images.toString(), "--passes", "0"),
        "bench",
        "--passes must be at least 1, got 0",
        "--passes 3");
    assertOneLine(
        cutflow("profile", images.toString(), "--passes", "0"),
        "profile",
        "--passes must be at least 1, got 0");
    assertOneLine(
        cutflow("cold-start", "--runs", "0"), "cold-start", "--runs must be at least 1, got 0");
    assertOneLine(
        cutflow("cold-start", "--image", tmp.resolve("missing.jpg").toString()),
        "cold-start",
        "--image " + tmp.resolve("missing.jpg") + " does not exist");
  }

  @Test
  void flagsThatStandForSettingsAreCheckedAsTheSettingsAreBeforeTheStackStarts() throws Exception {
    // run used to start its broker and S3 server before it refused these, and up said only
    // "port out of range:70000"
    Path images = Files.createDirectories(tmp.resolve("images"));
    Files.write(images.resolve("a.jpg"), new byte[] {1});
    String out = tmp.resolve("out").toString();
    assertOneLine(
        cutflow("run", images.toString(), "--out", out, "--recycle-after", "-5"),
        "run",
        "--recycle-after -5 is below the minimum 0",
        "cutflow.worker.recycle-after");
    assertOneLine(
        cutflow("run", images.toString(), "--out", out, "--max-rss-mb", "-1"),
        "run",
        "--max-rss-mb -1 is below the minimum 0",
        "cutflow.worker.max-rss-mb");
    assertOneLine(
        cutflow("up", "--port", "70000"), "up", "--port 70000", "cutflow.ingest.http-port");
  }

  @Test
  void threadsOutsideTheSettingsRangeAreRefusedByEveryModelCommand() throws Exception {
    // --threads stands for cutflow.worker.intra-op-threads (0..1024); -1 used to go to ONNX Runtime
    Path images = Files.createDirectories(tmp.resolve("images"));
    Path image = Files.write(images.resolve("a.jpg"), new byte[] {1});
    String out = tmp.resolve("out").toString();
    List<List<String>> commands =
        List.of(
            List.of("remove", "--threads", "-1", "-o", out, image.toString()),
            List.of("profile", "--threads", "-1", images.toString()),
            List.of("quality", "--threads", "-1", images.toString()),
            List.of("cold-start", "--threads", "-1"),
            List.of("frames", "--threads", "-1", "640", "480"));
    for (List<String> args : commands) {
      assertOneLine(
          cutflow(args.toArray(String[]::new)),
          args.get(0),
          "--threads -1 is outside 0..1024",
          "cutflow.worker.intra-op-threads");
    }
  }

  @Test
  void framesRefusesASizeOrSpecifierItCannotUseBeforeReadingAFrame() throws Exception {
    // rembg's b by either name; each refusal names the fix
    assertOneLine(
        cutflow("frames", "0", "480"), "frames", "WIDTH must be at least 1, got 0", "WIDTH 1280");
    assertOneLine(
        cutflow("b", "20000", "20000"),
        "frames", // named as the command is, whichever name was typed
        "frames of 20000×20000 are over the pixel limit of 50000000",
        "scale=1920:-2");
    assertOneLine(
        cutflow("frames", "640", "480", "-o", tmp.resolve("frame.png").toString()),
        "frames",
        "it has no frame number",
        "-o out/frame-%04d.png");
  }

  @Test
  void removeRefusesAnOutputThatIsAFile() throws Exception {
    // it used to end in a FileAlreadyExistsException's stack trace
    Path file = Files.write(tmp.resolve("out.txt"), new byte[] {1});
    Path image = Files.write(tmp.resolve("a.jpg"), new byte[] {1});
    assertOneLine(
        cutflow("remove", "-o", file.toString(), image.toString()),
        "remove",
        "--out " + file + " exists and is not a directory");
  }

  @Test
  void removeRefusesAnOutputThatCannotBeCreatedAndOneThatIsTheInputFolder() throws Exception {
    // the first used to end in a FileSystemException's stack trace; the second wrote a.png's cutout
    // over a.png
    Path file = Files.write(tmp.resolve("plain.txt"), new byte[] {1});
    Path image = Files.write(tmp.resolve("a.png"), new byte[] {1});
    assertOneLine(
        cutflow("remove", "-o", file.resolve("sub").toString(), image.toString()),
        "remove",
        "--out " + file.resolve("sub") + " cannot be created: " + file + " is not a directory");
    assertOneLine(
        cutflow("remove", "-o", tmp.toString(), tmp.toString()),
        "remove",
        "--out " + tmp + " is the input folder " + tmp);
    assertEquals(1, Files.readAllBytes(image).length, "a.png untouched");
  }

  @Test
  void removeWithEveryInputMissingFailsThemWithoutLoadingTheModel() throws Exception {
    // it used to load the model first (its log line, then an empty progress bar on stderr)
    Path out = tmp.resolve("out");
    String a = tmp.resolve("a.jpg").toString();
    String b = tmp.resolve("b.png").toString();
    PrintStream stderr = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    int exit;
    try {
      exit = CutflowCli.commandLine().execute("remove", "-o", out.toString(), a, b);
    } finally {
      System.setErr(stderr);
    }
    List<String> lines = captured.toString(StandardCharsets.UTF_8).lines().toList();
    assertEquals(
        List.of(
            "failed: no such file: " + a,
            "failed: no such file: " + b,
            "0 of 2 images written to " + out + " (2 failed)"),
        lines);
    assertEquals(1, exit);
  }

  @Test
  void aMissingOrEmptyImageDirectoryIsRefusedBeforeAnyModelLoads() throws Exception {
    // bench used to load the model and fail on "no tensors to run", profile to end in a
    // NullPointerException, and quality to print an IoU of 1.0000 over 0 photos
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    Files.write(empty.resolve(".hidden"), new byte[] {1});
    for (String command : List.of("bench", "profile", "quality", "ingest")) {
      assertOneLine(
          cutflow(command, empty.toString()),
          command,
          "no files in " + empty,
          "give the directory that holds the images");
      assertOneLine(
          cutflow(command, tmp.resolve("missing").toString()),
          command,
          tmp.resolve("missing") + " does not exist");
    }
    // run and ingest already refused an empty folder; ingest a missing one with a stack trace
    assertOneLine(
        cutflow("run", empty.toString(), "--out", tmp.resolve("out").toString()),
        "run",
        "no files in " + empty);
  }

  @Test
  void watchRefusesWhatItCannotWatchBeforeConnecting() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("in"));
    assertOneLine(cutflow("watch", dir.toString()), "watch", "needs --out OUTDIR");
    assertOneLine(
        cutflow("watch", dir.toString(), "--out", dir.resolve("cutouts").toString()),
        "watch",
        "inside the watched folder",
        "outside it");
    assertOneLine(
        cutflow("watch", tmp.resolve("missing").toString(), "--out", tmp.toString()),
        "watch",
        "neither s3://BUCKET[/PREFIX] nor an existing folder");
    assertOneLine(
        cutflow("watch", "s3://cutflow-inbox/a/", "--out", tmp.toString()),
        "watch",
        "--out is for a folder");
    assertOneLine(cutflow("watch", "s3://"), "watch", "s3://BUCKET[/PREFIX]");
    // an --out that cannot be made: said before connecting (it used to be a stack trace after)
    Path file = Files.writeString(tmp.resolve("a-file"), "x");
    assertOneLine(
        cutflow("watch", dir.toString(), "--out", file.resolve("cutouts").toString()),
        "watch",
        "--out " + file.resolve("cutouts") + " cannot be created",
        "name a folder you can write");
  }

  @Test
  void outThatIsAFileIsRefused() throws Exception {
    Path images = Files.createDirectories(tmp.resolve("images"));
    Files.write(images.resolve("a.jpg"), new byte[] {1});
    Path file = Files.writeString(tmp.resolve("not-a-dir"), "x");
    assertOneLine(
        cutflow("run", images.toString(), "--out", file.toString()),
        "run",
        "--out " + file,
        "not a directory",
        "name a directory");
    assertOneLine(
        cutflow("up", "--data", file.toString()), "up", "--data " + file, "not a directory");
  }

  @Test
  void missingImageDirectoryIsRefused() {
    Path missing = tmp.resolve("missing");
    assertOneLine(
        cutflow("run", missing.toString(), "--out", tmp.resolve("out").toString()),
        "run",
        missing + " does not exist");
  }

  @Test
  void takenPortIsFoundBeforeTheStackStarts() throws Exception {
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      int port = taken.getLocalPort();
      CliRun r = cutflow("up", "--port", Integer.toString(port));
      assertOneLine(r, "up", "--port " + port, "127.0.0.1:" + port, "--port N");
    }
  }

  @Test
  void unknownHostIsRefused() {
    assertOneLine(
        cutflow("up", "--host", "no-such-host.invalid", "--port", "0"),
        "up",
        "--host no-such-host.invalid");
    // resolves, but is not this machine's (TEST-NET-1): it used to start the whole stack and then
    // fail to bind with "Port already in use … port 0"
    assertOneLine(
        cutflow("up", "--host", "192.0.2.1", "--port", "0"),
        "up",
        "--host 192.0.2.1 (192.0.2.1) is not an address of this machine");
  }

  @Test
  void anOutThatCannotBeMadeIsRefusedBeforeTheStackStartsOrAnythingConnects() throws Exception {
    // /proc passes a permission check as root but takes no folder: run used to start the stack
    // and its workers and then end in a stack trace
    Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self")), "no /proc here");
    Path images = Files.createDirectories(tmp.resolve("images"));
    Files.write(images.resolve("a.jpg"), new byte[] {1});
    assertOneLine(
        cutflow("run", images.toString(), "--out", "/proc/cutflow-out"),
        "run",
        "--out /proc/cutflow-out cannot be created");
    // ingest --wait --out: before connecting to Kafka (none here), not after the uploads
    assertOneLine(
        cutflow(
            "ingest",
            images.toString(),
            "--wait",
            "--out",
            "/proc/cutflow-out",
            "--bootstrap-servers",
            "127.0.0.1:1"),
        "ingest",
        "--out /proc/cutflow-out cannot be created");
  }

  @Test
  void workerRefusesALogDirItCannotCreateBeforeStartingAnything() throws Exception {
    Path file = Files.writeString(tmp.resolve("a-file"), "x");
    assertOneLine(
        cutflow("worker", "--log-dir", file.resolve("logs").toString()),
        "worker",
        "--log-dir " + file.resolve("logs") + " cannot be created",
        "name a folder you can write");
  }

  @Test
  void ingestServerRefusesAPortOutOfRange() {
    assertOneLine(
        cutflow("ingest-server", "--port", "99999"), "ingest-server", "--port 99999 is outside");
  }

  @Test
  void ingestServerOnATakenPortSaysSoInOneLine() throws Exception {
    // it used to end in Javalin's stack trace; the Kafka and store clients it had made are closed
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      int port = taken.getLocalPort();
      assertOneLine(
          cutflow(
              "ingest-server",
              "--port",
              Integer.toString(port),
              "--set",
              "cutflow.ops.host=127.0.0.1"),
          "ingest-server",
          "port " + port + " on 127.0.0.1 cannot be bound",
          "choose another with --port N or cutflow.ingest.http-port (CUTFLOW_INGEST_HTTP_PORT)");
    }
  }
}
