package io.cutflow.common.cli;

import io.cutflow.common.job.CutoutOption;
import io.cutflow.common.job.CutoutOption.Kind;
import io.cutflow.common.job.CutoutOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.IModelTransformer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Spec;

/**
 * rembg's per-image flags ({@code -m}, {@code -om}, {@code -ppm}, {@code -bgc}, ...) for every
 * command that makes cutouts (picocli mixin). The flags are built from {@link
 * CutoutOptions#OPTIONS}, so a new option appears here without a change to this class.
 *
 * <p>Values are parsed when {@link #options()} is called (from the command's {@code call()}), so a
 * bad value is an {@link io.cutflow.common.job.InvalidOptionException} naming the flag as typed:
 * the CLI's handler prints it as one line and exits 2.
 */
@Command(modelTransformer = CutoutOptionsMixin.Flags.class)
public final class CutoutOptionsMixin {
  @Spec(Spec.Target.MIXEE)
  CommandSpec mixee;

  /** The flags as options; throws InvalidOptionException for a bad value. */
  public CutoutOptions options() {
    CutoutOptions.Builder b = CutoutOptions.builder();
    for (CutoutOption o : CutoutOptions.OPTIONS) {
      if (o.cliNames().isEmpty()) {
        continue;
      }
      OptionSpec spec = mixee.findOption(o.cliNames().get(0));
      Object value = spec.getValue();
      if (o.kind() == Kind.BOOLEAN) {
        b.set(o, value);
      } else if (value != null) {
        b.parse(o, typedName(spec), (String) value);
      }
    }
    return b.build();
  }

  /** Which of the option's names the user typed (the last occurrence wins, as in picocli). */
  private String typedName(OptionSpec spec) {
    String found = spec.longestName();
    if (mixee.commandLine() == null || mixee.commandLine().getParseResult() == null) {
      return found;
    }
    for (String arg : mixee.commandLine().getParseResult().originalArgs()) {
      for (String name : spec.names()) {
        if (arg.equals(name) || arg.startsWith(name + "=")) {
          found = name;
        }
      }
    }
    return found;
  }

  /**
   * Adds one picocli option per table entry to the mixin's spec. Once: picocli transforms a
   * subcommand again for each of its names (an alias, as {@code frames}' {@code b}).
   */
  public static final class Flags implements IModelTransformer {
    @Override
    public CommandSpec transform(CommandSpec spec) {
      for (CutoutOption o : CutoutOptions.OPTIONS) {
        if (o.cliNames().isEmpty() || spec.findOption(o.cliNames().get(0)) != null) {
          continue;
        }
        OptionSpec.Builder b =
            OptionSpec.builder(o.cliNames().toArray(String[]::new)).description(o.help());
        if (o.kind() == Kind.BOOLEAN) {
          b.type(boolean.class).arity("0");
        } else {
          b.type(String.class).arity("1").paramLabel(o.paramLabel());
        }
        spec.addOption(b.build());
      }
      return spec;
    }
  }
}
