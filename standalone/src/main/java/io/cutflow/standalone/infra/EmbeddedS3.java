package io.cutflow.standalone.infra;

import io.cutflow.common.process.JavaProcess;
import io.minio.MinioClient;
import java.io.IOException;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * An S3-protocol server (S3Proxy 2.6.0 with its filesystem backend) in a child JVM on a free
 * loopback port: the stand-in for MinIO where no container runtime exists. The MinIO Java SDK talks
 * to it unchanged (path-style, SigV4). Credentials are random per instance, passed in a file only
 * we can read.
 */
public final class EmbeddedS3 implements ServerRestarts.Server {
  private static final String MAIN = "org.gaul.s3proxy.Main";

  private final Path dir;
  private final boolean deleteOnClose;
  private volatile JavaProcess process;
  private final String endpoint;
  private final String accessKey;
  private final String secretKey;
  private final Duration startupTime;

  private EmbeddedS3(
      Path dir,
      boolean deleteOnClose,
      JavaProcess process,
      String endpoint,
      String accessKey,
      String secretKey,
      Duration startupTime) {
    this.dir = dir;
    this.deleteOnClose = deleteOnClose;
    this.process = process;
    this.endpoint = endpoint;
    this.accessKey = accessKey;
    this.secretKey = secretKey;
    this.startupTime = startupTime;
  }

  /** Starts in a fresh temp directory, deleted on close. */
  public static EmbeddedS3 start() throws IOException {
    return start(Files.createTempDirectory("cutflow-s3-"), true, Duration.ofSeconds(60));
  }

  /**
   * Starts with buckets stored under {@code dir/data} and the server's output in {@code
   * dir/s3proxy.log}; returns once a MinIO client can list buckets.
   */
  public static EmbeddedS3 start(Path dir, boolean deleteOnClose, Duration timeout)
      throws IOException {
    Files.createDirectories(dir);
    Path data = Files.createDirectories(dir.resolve("data"));
    SecureRandom random = new SecureRandom();
    String accessKey = "cutflow-" + HexFormat.of().formatHex(bytes(random, 6));
    String secretKey = HexFormat.of().formatHex(bytes(random, 20));
    long t0 = System.nanoTime();
    return ChildServer.startTwice(
        "S3Proxy",
        dir,
        deleteOnClose,
        () -> {
          int port = InfraSupport.freePort();
          String endpoint = "http://127.0.0.1:" + port;
          writeProperties(
              dir.resolve("s3proxy.properties"), properties(endpoint, data, accessKey, secretKey));
          JavaProcess p = launch(dir);
          awaitReady(p, port, endpoint, accessKey, secretKey, timeout);
          Duration took = ChildServer.ready("S3Proxy", endpoint, t0, p, dir);
          return new EmbeddedS3(dir, deleteOnClose, p, endpoint, accessKey, secretKey, took);
        });
  }

  /** S3Proxy on {@code dir/s3proxy.properties}, its output in {@code dir/s3proxy.log}. */
  private static JavaProcess launch(Path dir) throws IOException {
    return ChildServer.launch(
        MAIN,
        "s3proxy",
        dir,
        "s3proxy.log",
        "--properties",
        dir.resolve("s3proxy.properties").toString());
  }

  private static byte[] bytes(SecureRandom random, int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  static Map<String, String> properties(
      String endpoint, Path data, String accessKey, String secretKey) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("s3proxy.endpoint", endpoint);
    p.put("s3proxy.authorization", "aws-v2-or-v4");
    p.put("s3proxy.identity", accessKey);
    p.put("s3proxy.credential", secretKey);
    p.put("jclouds.provider", "filesystem");
    p.put("jclouds.filesystem.basedir", data.toString());
    p.put("jclouds.identity", accessKey);
    p.put("jclouds.credential", secretKey);
    return p;
  }

  /**
   * The credentials go to S3Proxy in this file, readable by us only: on its command line every user
   * would see them ({@code ps}).
   */
  private static void writeProperties(Path file, Map<String, String> values) throws IOException {
    Properties props = new Properties();
    props.putAll(values);
    Files.deleteIfExists(file);
    try {
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      Files.createFile(file); // not a POSIX file system
    }
    try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      props.store(w, "cutflow embedded S3 (S3Proxy, filesystem backend)");
    }
  }

  private static void awaitReady(
      JavaProcess p,
      int port,
      String endpoint,
      String accessKey,
      String secretKey,
      Duration timeout)
      throws IOException {
    MinioClient client =
        MinioClient.builder()
            .endpoint(endpoint)
            .credentials(accessKey, secretKey)
            .region("us-east-1")
            .build();
    client.setTimeout(1000, 2000, 2000);
    try {
      ChildServer.awaitReady("S3Proxy", p, port, timeout, client::listBuckets);
    } finally {
      try {
        client.close();
      } catch (Exception ignored) {
        // nothing to do
      }
    }
  }

  @Override
  public String name() {
    return "S3 server";
  }

  /**
   * Starts the server again after its process ended ({@link ServerRestarts} under {@code up}, and
   * fault tests): the same port, credentials and buckets; returns once a client can list buckets.
   */
  @Override
  public void startAgain(Duration timeout) throws IOException {
    if (process.handle().isAlive()) {
      throw new IllegalStateException("S3Proxy is still running: pid " + process.handle().pid());
    }
    int port = URI.create(endpoint).getPort();
    JavaProcess p = launch(dir);
    process = p;
    awaitReady(p, port, endpoint, accessKey, secretKey, timeout);
  }

  /** {@code http://127.0.0.1:<port>}. */
  public String endpoint() {
    return endpoint;
  }

  public String accessKey() {
    return accessKey;
  }

  public String secretKey() {
    return secretKey;
  }

  public Path dir() {
    return dir;
  }

  @Override
  public JavaProcess process() {
    return process;
  }

  /** From launch to the first successful listBuckets. */
  public Duration startupTime() {
    return startupTime;
  }

  @Override
  public void close() {
    process.destroy(Duration.ofSeconds(10));
    if (deleteOnClose) {
      InfraSupport.deleteRecursively(dir);
    }
  }
}
