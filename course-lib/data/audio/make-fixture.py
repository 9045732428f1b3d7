#!/usr/bin/python3
"""Reference audio features computed independently with numpy, written as a JSON fixture for
course-lib/data/audio/features.test.ts.

Why: the TypeScript pipeline (own radix-2 FFT, own mel filterbank, own DCT) must agree with a
computation that shares none of its code. Here the FFT is numpy.fft.rfft, the filterbank is built with
vectorised numpy, and the DCT-II is done through an FFT (Makhoul's reordering), not a cosine matrix.

Conventions (must match features.ts): 16 kHz; periodic Hann window of 480 samples; hop 320; no padding
(49 frames for 16000 samples); frame zero-padded to 512 for the FFT; power |X|^2 unnormalised; HTK mel
scale 2595*log10(1+f/700); 40 triangles with mel-equally-spaced edges from 125 Hz to 7500 Hz, evaluated at
bin centres k*sr/512, peak 1 (no area normalisation); log-mel = ln(E + 1e-6); MFCC = orthonormal DCT-II
of the 40 log-mel values, first 10 kept.

Run with Debian's Python (it has numpy):  /usr/bin/python3 course-lib/data/audio/make-fixture.py
It rewrites course-lib/data/audio/fixtures/features-fixture.json (deterministic: seeded RNG).
"""
import base64
import json
import os

import numpy as np

SR = 16000
FRAME = 480
HOP = 320
NFFT = 512
NMEL = 40
LOW_HZ = 125.0
HIGH_HZ = 7500.0
LOG_OFFSET = 1e-6
NMFCC = 10


def test_signal():
    """1 s of a speech-like test signal: a vowel-ish harmonic tone, a chirp, a burst of noise and a
    silent gap, quantised to int16 (the TS side reads the same int16 values from the fixture)."""
    rng = np.random.default_rng(20240501)
    t = np.arange(SR) / SR
    f0 = 120 + 30 * np.sin(2 * np.pi * 2 * t)  # wobbling pitch
    phase = 2 * np.pi * np.cumsum(f0) / SR
    voiced = sum((0.3 / h) * np.sin(h * phase) for h in range(1, 12))
    envelope = np.clip(np.sin(np.pi * t / 0.6), 0, None) * (t < 0.6)
    chirp = 0.2 * np.sin(2 * np.pi * (300 * t + 0.5 * 5000 * t ** 2)) * ((t > 0.6) & (t < 0.85))
    noise = 0.05 * rng.standard_normal(SR) * (t > 0.85)
    x = voiced * envelope + chirp + noise
    return np.clip(np.round(x * 32767 * 0.8), -32768, 32767).astype(np.int16)


def hz_to_mel(f):
    return 2595.0 * np.log10(1.0 + f / 700.0)


def mel_to_hz(m):
    return 700.0 * (10.0 ** (m / 2595.0) - 1.0)


def mel_matrix():
    edges_hz = mel_to_hz(np.linspace(hz_to_mel(LOW_HZ), hz_to_mel(HIGH_HZ), NMEL + 2))
    freqs = np.arange(NFFT // 2 + 1) * SR / NFFT
    lower = edges_hz[:-2, None]
    centre = edges_hz[1:-1, None]
    upper = edges_hz[2:, None]
    rising = (freqs[None, :] - lower) / (centre - lower)
    falling = (upper - freqs[None, :]) / (upper - centre)
    return np.maximum(0.0, np.minimum(rising, falling))  # (NMEL, NFFT/2+1)


def dct2_ortho_via_fft(x):
    """Orthonormal DCT-II along the last axis, computed with an FFT (Makhoul 1980)."""
    n = x.shape[-1]
    v = np.concatenate([x[..., ::2], x[..., 1::2][..., ::-1]], axis=-1)
    V = np.fft.fft(v, axis=-1)
    k = np.arange(n)
    c = np.real(V * np.exp(-1j * np.pi * k / (2 * n)))
    scale = np.full(n, np.sqrt(2.0 / n))
    scale[0] = np.sqrt(1.0 / n)
    return c * scale


def main():
    pcm = test_signal()
    x = pcm.astype(np.float64) / 32768.0
    n_frames = 1 + (len(x) - FRAME) // HOP
    idx = np.arange(FRAME)[None, :] + HOP * np.arange(n_frames)[:, None]
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(FRAME) / FRAME)  # periodic Hann
    frames = x[idx] * window[None, :]
    spectrum = np.fft.rfft(frames, n=NFFT, axis=-1)
    power = np.abs(spectrum) ** 2
    mel = mel_matrix()
    log_mel = np.log(power @ mel.T + LOG_OFFSET)
    mfcc = dct2_ortho_via_fft(log_mel)[:, :NMFCC]

    # A plain rfft check on a seeded random vector (compares the TS rfft with numpy's).
    rng = np.random.default_rng(7)
    fft_input = rng.standard_normal(256)
    fft_out = np.fft.rfft(fft_input)

    fixture = {
        "about": "Written by course-lib/data/audio/make-fixture.py (numpy %s). Do not edit by hand." % np.__version__,
        "config": {"sampleRate": SR, "frameLength": FRAME, "frameStep": HOP, "fftSize": NFFT, "numMelBins": NMEL,
                   "lowerHz": LOW_HZ, "upperHz": HIGH_HZ, "logOffset": LOG_OFFSET, "numMfcc": NMFCC},
        "signalInt16Base64": base64.b64encode(pcm.astype("<i2").tobytes()).decode("ascii"),
        "frames": int(n_frames),
        "window": window.tolist(),
        "powerFrames": {str(f): power[f].tolist() for f in (0, 12, 30, 45)},
        "melMatrix": mel.tolist(),
        "logMel": log_mel.ravel().tolist(),
        "mfcc": mfcc.ravel().tolist(),
        "rfftInput": fft_input.tolist(),
        "rfftRe": fft_out.real.tolist(),
        "rfftIm": fft_out.imag.tolist(),
    }
    out_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
    os.makedirs(out_dir, exist_ok=True)
    out = os.path.join(out_dir, "features-fixture.json")
    with open(out, "w") as fh:
        json.dump(fixture, fh, separators=(",", ":"))
        fh.write("\n")
    print("wrote %s (%d frames, log-mel range %.2f..%.2f)" % (out, n_frames, log_mel.min(), log_mel.max()))


if __name__ == "__main__":
    main()
