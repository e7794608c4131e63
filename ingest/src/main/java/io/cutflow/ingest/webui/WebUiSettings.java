package io.cutflow.ingest.webui;

import java.util.List;

/**
 * What the page learns from {@code GET /v1/ui-config}: the upload limits (it refuses larger files
 * before sending them), whether it must ask for the API key, and the models it may offer.
 *
 * @param models the catalogue of models whose weights are present where this server runs, each
 *     saying whether the running workers serve it (a job naming a model no worker loads fails with
 *     {@code model_unavailable}); empty when this server cannot know (an ingest without model
 *     files): the page then offers only the workers' own model
 */
public record WebUiSettings(
    long maxUploadBytes, int maxFiles, boolean apiKeyRequired, List<ModelChoice> models) {

  /** A model the page may offer. */
  public record ModelChoice(String name, String description, boolean served) {}

  public WebUiSettings {
    models = List.copyOf(models);
  }
}
