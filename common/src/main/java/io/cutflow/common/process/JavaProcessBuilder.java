package io.cutflow.common.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds and starts a {@link JavaProcess}: its command line, environment, log and session. */
public final class JavaProcessBuilder {
  private static final Logger LOG = LoggerFactory.getLogger(JavaProcess.class);

  private final String mainClass;
  private final List<String> args = new ArrayList<>();
  private final List<String> jvmArgs = new ArrayList<>();
  private final Map<String, String> env = new LinkedHashMap<>();
  private final Map<String, String> systemProperties = new LinkedHashMap<>();
  private String classpath = System.getProperty("java.class.path");
  private Path logFile;
  private Path workDir;
  private String name;
  private boolean watchParent = true;
  private boolean pipeStdout;
  private boolean ownSession = true;

  JavaProcessBuilder(String mainClass) {
    this.mainClass = Objects.requireNonNull(mainClass, "mainClass");
  }

  public JavaProcessBuilder args(String... values) {
    args.addAll(List.of(values));
    return this;
  }

  public JavaProcessBuilder args(List<String> values) {
    args.addAll(values);
    return this;
  }

  /** JVM options, e.g. {@code -Xmx512m}. */
  public JavaProcessBuilder jvmArgs(String... values) {
    jvmArgs.addAll(List.of(values));
    return this;
  }

  /**
   * A {@code -D} option: on the command line, which {@code ps} shows to every user, so never a
   * secret (pass those with {@link #env}).
   */
  public JavaProcessBuilder systemProperty(String key, String value) {
    systemProperties.put(key, value);
    return this;
  }

  public JavaProcessBuilder systemProperties(Map<String, String> values) {
    systemProperties.putAll(values);
    return this;
  }

  /** An environment variable on top of ours. */
  public JavaProcessBuilder env(String key, String value) {
    env.put(key, value);
    return this;
  }

  public JavaProcessBuilder env(Map<String, String> values) {
    env.putAll(values);
    return this;
  }

  /** Default: this JVM's {@code java.class.path}. */
  public JavaProcessBuilder classpath(String value) {
    classpath = Objects.requireNonNull(value);
    return this;
  }

  /** Where stdout+stderr go (appended). Default: a temp file named after the process. */
  public JavaProcessBuilder logFile(Path value) {
    logFile = value;
    return this;
  }

  public JavaProcessBuilder workDir(Path value) {
    workDir = value;
    return this;
  }

  /** A label for logs; default the main class's simple name. */
  public JavaProcessBuilder name(String value) {
    name = value;
    return this;
  }

  /** Run under {@link ChildMain} so the child exits when we die (default true). */
  public JavaProcessBuilder watchParent(boolean value) {
    watchParent = value;
    return this;
  }

  /**
   * Keep the child's stdout as a pipe ({@link JavaProcess#stdout()}); stderr still goes to the log
   * (default false).
   */
  public JavaProcessBuilder pipeStdout(boolean value) {
    pipeStdout = value;
    return this;
  }

  /**
   * Start the child in a session of its own (through util-linux {@code setsid}, where installed;
   * {@link JavaProcess#ownSession()} says whether it was), so that signals for our terminal's
   * foreground job (Ctrl-C) do not reach it. On Linux that also gives it an autogroup of its own,
   * whose CPU priority can be changed apart from ours (default true).
   */
  public JavaProcessBuilder ownSession(boolean value) {
    ownSession = value;
    return this;
  }

  public JavaProcess start() throws IOException {
    String label = name != null ? name : mainClass.substring(mainClass.lastIndexOf('.') + 1);
    if (ChildProcesses.shuttingDown()) {
      // it would outlive the reaper: nothing would stop it
      throw new IOException("not starting " + label + ": the JVM is shutting down");
    }
    Path log = logFile != null ? logFile : Files.createTempFile("cutflow-" + label + "-", ".log");
    if (log.getParent() != null) {
      Files.createDirectories(log.getParent());
    }
    List<String> cmd = new ArrayList<>();
    Path setsid = ownSession ? ChildProcesses.SETSID.orElse(null) : null;
    if (setsid != null) {
      // setsid execs in place (our child is no process-group leader), so the pid stays the JVM's
      cmd.add(setsid.toString());
    }
    cmd.add(JavaProcess.javaExecutable().toString());
    cmd.addAll(jvmArgs);
    systemProperties.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
    cmd.add("-cp");
    cmd.add(ChildProcesses.absoluteClasspath(classpath));
    if (watchParent) {
      cmd.add(ChildMain.class.getName());
    }
    cmd.add(mainClass);
    cmd.addAll(args);

    ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.PIPE);
    if (pipeStdout) {
      pb.redirectOutput(ProcessBuilder.Redirect.PIPE)
          .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
    } else {
      pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    }
    if (workDir != null) {
      pb.directory(workDir.toFile());
    }
    pb.environment().putAll(env);
    Process process = pb.start();
    JavaProcess jp = new JavaProcess(label, process, log, cmd, pipeStdout, setsid != null);
    ChildProcesses.LIVE.add(jp);
    if (ChildProcesses.shuttingDown()) {
      // the reaper may have passed LIVE already: stop it ourselves
      jp.destroy(Duration.ofSeconds(2));
      throw new IOException("not starting " + label + ": the JVM is shutting down");
    }
    LOG.debug("started {} (pid {}), log {}", label, process.pid(), log);
    return jp;
  }
}
