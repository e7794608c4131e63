package io.cutflow.standalone;

import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The `cutflow` command: every subcommand of every module hangs off this root. */
@Command(
    name = "cutflow",
    mixinStandardHelpOptions = true,
    version = "cutflow 0.1.0",
    description =
        "Background removal at scale: ISNet/U²-Net cutouts on ONNX Runtime, over Kafka and S3.",
    subcommands = {
      CommandLine.HelpCommand.class,
      io.cutflow.worker.cli.RemoveCommand.class,
      io.cutflow.worker.cli.FramesCommand.class,
      io.cutflow.worker.cli.ModelsCommand.class,
      io.cutflow.worker.cli.ProfileCommand.class,
      io.cutflow.worker.cli.QualityCommand.class,
      io.cutflow.worker.cli.ColdStartCommand.class,
      io.cutflow.ingest.cli.IngestCommand.class,
      io.cutflow.ingest.cli.WatchCommand.class,
      RunCommand.class,
      BenchCommand.class,
      UpCommand.class,
      ConfigCommand.class,
      io.cutflow.ingest.http.IngestServerCommand.class,
      io.cutflow.worker.cli.WorkerCommand.class,
      io.cutflow.worker.cli.ClassArchiveCommand.class,
    })
public final class CutflowCli implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @CommandLine.Option(
      names = "--verbose",
      scope = CommandLine.ScopeType.INHERIT,
      description =
          "Logs on stderr (run, up, bench, remove, frames, ingest and watch DIR otherwise write them"
              + " to a file under ~/.cache/cutflow/logs and print its path).")
  boolean verbose;

  @Override
  public void run() {
    spec.commandLine().usage(System.err);
  }

  public static void main(String[] args) {
    CommandLine cli = commandLine();
    cli.setExecutionStrategy(
        parsed -> {
          configureLogging(parsed);
          return new CommandLine.RunLast().execute(parsed);
        });
    System.exit(cli.execute(args));
  }

  /** Logs of the command being run: to a file, or with {@code --verbose} on stderr. */
  private static void configureLogging(CommandLine.ParseResult parsed) {
    if (!parsed.hasSubcommand()
        || parsed.subcommand().isUsageHelpRequested()
        || parsed.subcommand().isVersionHelpRequested()) {
      return;
    }
    boolean verbose = false;
    for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
      verbose |= p.hasMatchedOption("--verbose");
    }
    logFile = CliLogging.configure(parsed.subcommand(), verbose, System.getenv(), System.err);
  }

  /** Where this process's command logs, when not on stderr (set once, before it runs). */
  private static volatile Optional<Path> logFile = Optional.empty();

  /** The root command with the error handling {@link #main} uses (tests run it the same way). */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new CutflowCli());
    // Bad option values (e.g. -bgc 1,2,x) are user errors: one line naming the problem, exit 2.
    cli.setExecutionExceptionHandler(
        (ex, cmd, parsed) -> {
          if (ex instanceof IllegalArgumentException) {
            cmd.getErr().println("cutflow " + cmd.getCommandName() + ": " + ex.getMessage());
            return 2;
          }
          if (ex instanceof io.cutflow.worker.model.ModelFetchException
              || ex instanceof io.cutflow.ingest.cli.DependencyUnavailableException) {
            // no model, or no Kafka or store, no run: the message says why and what to set, fetch
            // or start
            cmd.getErr().println("cutflow " + cmd.getCommandName() + ": " + ex.getMessage());
            return 1;
          }
          if (CliLogging.failed(cmd.getCommandName(), ex, logFile, cmd.getErr())) {
            return 1;
          }
          throw ex;
        });
    return cli;
  }
}
