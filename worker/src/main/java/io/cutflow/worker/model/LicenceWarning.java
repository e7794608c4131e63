package io.cutflow.worker.model;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one warning a process logs when it loads a model whose licence forbids commercial use (e.g.
 * BRIA's RMBG-2.0, CC BY-NC 4.0): once per model per process, so recycled sessions and repeated
 * loads do not repeat it.
 */
public final class LicenceWarning {
  private static final Logger log = LoggerFactory.getLogger(LicenceWarning.class);
  private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

  private LicenceWarning() {}

  /** Logs the warning for {@code spec} if it is non-commercial and not yet warned about. */
  public static boolean warnOnce(ModelSpec spec) {
    if (!spec.nonCommercial() || !WARNED.add(spec.name())) {
      return false;
    }
    log.atWarn()
        .setMessage(
            "this model's licence does not allow commercial use; choose another model"
                + " (cutflow models list) for commercial work")
        .addKeyValue("model", spec.name())
        .addKeyValue("licence", spec.licence())
        .log();
    return true;
  }
}
