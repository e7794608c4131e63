package io.cutflow.worker.model;

import static io.cutflow.worker.model.TestSpecs.randomBytes;
import static io.cutflow.worker.model.TestSpecs.sha256;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.cutflow.worker.cli.ModelsCommand;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The {@code models} command against a manifest file whose sources are a local HTTP server. */
class ModelsCommandTest {

  @TempDir Path tmp;

  record Run(int exit, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new ModelsCommand());
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int rc = cl.execute(args);
    return new Run(rc, out.toString(), err.toString());
  }

  private static String model(String name, byte[] data, String url) throws Exception {
    return "{\"name\":\""
        + name
        + "\",\"family\":\"u2net\",\"file\":\""
        + name
        + ".onnx\",\"size\":"
        + data.length
        + ",\"sha256\":\""
        + sha256(data)
        + "\",\"sources\":[{\"type\":\"url\",\"url\":\""
        + url
        + "\"}],"
        + "\"input\":{\"width\":320,\"height\":320},"
        + "\"normalization\":{\"mean\":[0.485,0.456,0.406],\"std\":[0.229,0.224,0.225]},\"output\":0,"
        + "\"activation\":\"none\"}";
  }

  @Test
  void listAndFetchAllReportEachFailureAndExitNonZero() throws Exception {
    byte[] a = randomBytes(5000, 1);
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/a",
        ex -> {
          ex.sendResponseHeaders(200, a.length);
          try (OutputStream o = ex.getResponseBody()) {
            o.write(a);
          }
        });
    server.start();
    try {
      String base = "http://127.0.0.1:" + server.getAddress().getPort();
      Path manifest = tmp.resolve("models.json");
      Files.writeString(
          manifest,
          "{\"default\":\"alpha\",\"models\":["
              + model("alpha", a, base + "/a")
              + ","
              + model("beta", randomBytes(10, 2), base + "/missing")
              + "]}");
      Path cache = tmp.resolve("cache");

      Run list = run("--cache", cache.toString(), "--manifest", manifest.toString(), "list");
      assertEquals(0, list.exit(), list.err());
      assertTrue(
          list.out().matches("(?s).*\\* alpha +u2net +320x320 .*missing +url " + base + "/a.*"),
          list.out());

      Run fetch =
          run(
              "fetch",
              "--all",
              "--no-progress",
              "--cache",
              cache.toString(),
              "--manifest",
              manifest.toString());
      assertEquals(1, fetch.exit(), fetch.out() + fetch.err());
      assertTrue(fetch.out().contains("alpha: ok"), fetch.out());
      assertTrue(
          fetch.err().contains("beta: FAILED") && fetch.err().contains("HTTP 404"), fetch.err());
      assertArrayEquals(a, Files.readAllBytes(cache.resolve("alpha.onnx")));

      Run def =
          run(
              "fetch",
              "--no-progress",
              "--cache",
              cache.toString(),
              "--manifest",
              manifest.toString());
      assertEquals(0, def.exit(), def.err());
      assertTrue(def.out().contains("alpha: ok"), def.out());

      Run unknown =
          run("fetch", "gamma", "--cache", cache.toString(), "--manifest", manifest.toString());
      assertEquals(2, unknown.exit());
      assertTrue(unknown.err().contains("known models: alpha, beta"), unknown.err());

      Run after = run("list", "--cache", cache.toString(), "--manifest", manifest.toString());
      assertTrue(after.out().matches("(?s).*alpha .* verified .*"), after.out());
    } finally {
      server.stop(0);
    }
  }

  @Test
  void listLinesUpEveryColumnOfTheShippedManifest() {
    Run list = run("list", "--cache", tmp.resolve("empty-cache").toString());
    assertEquals(0, list.exit(), list.err());
    List<String> lines = list.out().lines().takeWhile(l -> !l.isBlank()).toList();
    String header = lines.get(0);
    // each column starts under its heading, however long the values before it (u2net_cloth_seg's
    // family once pushed INPUT and everything after it one place to the right)
    for (String heading : List.of("FAMILY", "INPUT", "STATE", "SOURCE")) {
      int at = header.indexOf(heading);
      for (String row : lines.subList(1, lines.size())) {
        assertTrue(
            row.charAt(at - 1) == ' ' && row.charAt(at) != ' ',
            heading + " at " + at + " of the header, not in:\n" + row + "\n" + header);
      }
    }
    assertTrue(lines.size() > 15, list.out());
    assertTrue(list.out().contains("u2net_cloth_seg"), list.out());
  }
}
