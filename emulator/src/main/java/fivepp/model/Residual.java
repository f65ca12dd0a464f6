package fivepp.model;

/**
 * A residual (shortcut) added to a layer's output before its activation, in the digital unit of
 * that layer's core. The source is another layer's output, subsampled by {@code stride} (ResNet's
 * parameter-free "option A" shortcut uses 2) and zero-padded in channels when the source has
 * fewer channels than the layer (option A again). Only the source's channels are transferred.
 */
public record Residual(String from, int stride) {}
