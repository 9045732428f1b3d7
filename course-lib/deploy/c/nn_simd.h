/* nn_simd.h: the Cortex-M DSP-extension instructions the optimized kernels use, one inline function each.
 *
 * Why a header of its own: the optimized kernels (kernels/optimized/) are written against these names, not
 * against the instructions, so the same C compiles twice:
 *   - on a core with the DSP extension (__ARM_FEATURE_DSP: Cortex-M4, M7, M33, M55) each function is the one
 *     instruction (ACLE intrinsics from arm_acle.h where gcc 12 has them, inline asm where it does not);
 *   - anywhere else (the host gcc in the tests, a Cortex-M3) each is a portable C99 emulation with the
 *     instruction's exact integer semantics (Arm ARM, ARMv7-M, A7.7), so the host tests check the kernels'
 *     algorithm bit for bit, and QEMU checks the instructions.
 *
 * Lanes: a uint32_t holds two int16 lanes (bits 0-15 = "bottom", 16-31 = "top") or four int8 lanes.
 * Unaligned 32-bit reads and writes go through memcpy: gcc turns them into one LDR/STR on ARMv7E-M (which
 * allows unaligned LDR/STR, not LDRD/LDM) and the C stays free of alignment and aliasing traps.
 */
#ifndef TINYML_COURSE_NN_SIMD_H
#define TINYML_COURSE_NN_SIMD_H

#include <stdint.h>
#include <string.h>

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#define NN_SIMD_DSP 1
#include <arm_acle.h>
#else
#define NN_SIMD_DSP 0
#endif

/* Four bytes from any address (LDR). */
static inline uint32_t nn_read_u32(const void* p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

/* Four bytes to any address (STR). */
static inline void nn_write_u32(void* p, uint32_t v) { memcpy(p, &v, 4); }

/* Two int16 lanes as one word: bottom = lo, top = hi. */
static inline uint32_t nn_pack16(int32_t lo, int32_t hi) {
  return ((uint32_t)lo & 0xffffu) | ((uint32_t)hi << 16);
}

static inline int32_t nn_bottom16(uint32_t x) { return (int16_t)(x & 0xffffu); }
static inline int32_t nn_top16(uint32_t x) { return (int16_t)(x >> 16); }

#if NN_SIMD_DSP

/* SXTB16: bytes 0 and 2, sign-extended into the two int16 lanes. */
static inline uint32_t nn_sxtb16(uint32_t x) { return (uint32_t)__sxtb16((int32_t)x); }

/* SXTB16 ..., ROR #8: bytes 1 and 3. */
static inline uint32_t nn_sxtb16_ror8(uint32_t x) {
  uint32_t r;
  __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
  return r;
}

/* SXTAB16: a + SXTB16(x), lane by lane (each lane wraps at 16 bits). */
static inline uint32_t nn_sxtab16(uint32_t a, uint32_t x) { return (uint32_t)__sxtab16((int32_t)a, (int32_t)x); }

/* SXTAB16 ..., ROR #8: a + SXTB16_ROR8(x). */
static inline uint32_t nn_sxtab16_ror8(uint32_t a, uint32_t x) {
  uint32_t r;
  __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(a), "r"(x));
  return r;
}

/* SMLAD: acc + bottom(a)·bottom(b) + top(a)·top(b) (wraps modulo 2^32). */
static inline int32_t nn_smlad(uint32_t a, uint32_t b, int32_t acc) {
  return __smlad((int32_t)a, (int32_t)b, acc);
}

/* SMLABB / SMLABT / SMLATB / SMLATT: acc + one 16x16 product (B = bottom lane, T = top lane of a, then b). */
static inline int32_t nn_smlabb(uint32_t a, uint32_t b, int32_t acc) { return __smlabb((int32_t)a, (int32_t)b, acc); }
static inline int32_t nn_smlabt(uint32_t a, uint32_t b, int32_t acc) { return __smlabt((int32_t)a, (int32_t)b, acc); }
static inline int32_t nn_smlatb(uint32_t a, uint32_t b, int32_t acc) { return __smlatb((int32_t)a, (int32_t)b, acc); }
static inline int32_t nn_smlatt(uint32_t a, uint32_t b, int32_t acc) { return __smlatt((int32_t)a, (int32_t)b, acc); }

/* PKHBT Rd, a, b, LSL #16: bottom of a, bottom of b as the top lane. */
static inline uint32_t nn_pkhbt(uint32_t a, uint32_t b) {
  uint32_t r;
  __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(r) : "r"(a), "r"(b));
  return r;
}

/* PKHTB Rd, a, b, ASR #16: top of a stays on top, top of b becomes the bottom lane. */
static inline uint32_t nn_pkhtb(uint32_t a, uint32_t b) {
  uint32_t r;
  __asm__("pkhtb %0, %1, %2, asr #16" : "=r"(r) : "r"(a), "r"(b));
  return r;
}

/* SMMLAR: the top word of (acc·2^32 + a·b + 2^31), i.e. floor((acc·2^32 + a·b + 2^31) / 2^32). */
static inline int32_t nn_smmlar(int32_t a, int32_t b, int32_t acc) {
  int32_t r;
  __asm__("smmlar %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
  return r;
}

/* SSAT #8: saturate to [-128, 127]. */
static inline int32_t nn_ssat8(int32_t x) { return __ssat(x, 8); }

#else /* portable emulations, same results bit for bit */

static inline uint32_t nn_sxtb16(uint32_t x) { return nn_pack16((int8_t)(x & 0xffu), (int8_t)((x >> 16) & 0xffu)); }

static inline uint32_t nn_sxtb16_ror8(uint32_t x) { return nn_pack16((int8_t)((x >> 8) & 0xffu), (int8_t)(x >> 24)); }

static inline uint32_t nn_sxtab16(uint32_t a, uint32_t x) {
  return nn_pack16(nn_bottom16(a) + (int8_t)(x & 0xffu), nn_top16(a) + (int8_t)((x >> 16) & 0xffu));
}

static inline uint32_t nn_sxtab16_ror8(uint32_t a, uint32_t x) {
  return nn_pack16(nn_bottom16(a) + (int8_t)((x >> 8) & 0xffu), nn_top16(a) + (int8_t)(x >> 24));
}

/* acc + x·y, wrapping modulo 2^32 as the instructions do (|x·y| <= 2^30: no signed overflow in the product). */
static inline int32_t nn_wrapping_mac(int32_t acc, int32_t x, int32_t y) {
  return (int32_t)((uint32_t)acc + (uint32_t)(x * y));
}

static inline int32_t nn_smlad(uint32_t a, uint32_t b, int32_t acc) {
  return nn_wrapping_mac(nn_wrapping_mac(acc, nn_bottom16(a), nn_bottom16(b)), nn_top16(a), nn_top16(b));
}

static inline int32_t nn_smlabb(uint32_t a, uint32_t b, int32_t acc) {
  return nn_wrapping_mac(acc, nn_bottom16(a), nn_bottom16(b));
}
static inline int32_t nn_smlabt(uint32_t a, uint32_t b, int32_t acc) {
  return nn_wrapping_mac(acc, nn_bottom16(a), nn_top16(b));
}
static inline int32_t nn_smlatb(uint32_t a, uint32_t b, int32_t acc) {
  return nn_wrapping_mac(acc, nn_top16(a), nn_bottom16(b));
}
static inline int32_t nn_smlatt(uint32_t a, uint32_t b, int32_t acc) {
  return nn_wrapping_mac(acc, nn_top16(a), nn_top16(b));
}

static inline uint32_t nn_pkhbt(uint32_t a, uint32_t b) { return (a & 0xffffu) | (b << 16); }

static inline uint32_t nn_pkhtb(uint32_t a, uint32_t b) {
  return (a & 0xffff0000u) | ((uint32_t)((int32_t)b >> 16) & 0xffffu);
}

static inline int32_t nn_smmlar(int32_t a, int32_t b, int32_t acc) {
  const uint64_t sum = ((uint64_t)(uint32_t)acc << 32) + (uint64_t)((int64_t)a * (int64_t)b) + 0x80000000u;
  return (int32_t)(uint32_t)(sum >> 32);
}

static inline int32_t nn_ssat8(int32_t x) { return x < -128 ? -128 : (x > 127 ? 127 : x); }

#endif /* NN_SIMD_DSP */

#endif /* TINYML_COURSE_NN_SIMD_H */
