;; SIMD loops for the course's fused wasm kernels (see simd.ts, which loads this module).
;;
;; Why hand-written WebAssembly: a plain JavaScript loop over a Float32Array runs at ~2-8 ns per
;; element on this machine (branchy ones worse), ~4-10x slower than the wasm backend's own SIMD
;; kernels, so fusing a chain of tfjs ops in JS often saved nothing. These functions run on the wasm
;; backend's own memory (imported), directly on tensor data: pointers are byte offsets into that
;; memory, counts are elements. Element-wise loops handle n rounded down to a multiple of 4; the caller
;; (simd.ts) finishes the last 0-3 elements in JS. Per-channel loops need C % 4 == 0 (the caller falls
;; back to JS otherwise). Sums accumulate in float64 (short runs of at most 8-48 terms in float32 first).
;;
;; Rebuild simd-module.ts after editing: npx tsx course-lib/runtime/kernels/build-simd.ts (needs wabt's
;; wat2wasm: apt-get install wabt).
(module
  (import "env" "memory" (memory 1))

  ;; out = dy * g, g = 1 where 0 < x <= 6, NaN where x is NaN, else 0 (tfjs-core's relu6 gradient
  ;; dy * lessEqual(x, 6) * step(x), kinks and NaN included: a NaN dy stays NaN, as in the stock product)
  (func (export "relu6_grad") (param $x i32) (param $dy i32) (param $out i32) (param $n i32)
    (local $i i32) (local $end i32) (local $v v128)
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $v (v128.load align=4 (i32.add (local.get $x) (local.get $i))))
        (v128.store align=4 (i32.add (local.get $out) (local.get $i))
          (f32x4.mul
            (v128.load align=4 (i32.add (local.get $dy) (local.get $i)))
            (v128.or
              (v128.and (f32x4.splat (f32.const 1))
                        (v128.and (f32x4.gt (local.get $v) (f32x4.splat (f32.const 0)))
                                  (f32x4.le (local.get $v) (f32x4.splat (f32.const 6)))))
              (v128.and (local.get $v) (f32x4.ne (local.get $v) (local.get $v))))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next))))

  ;; out = dy * (2 * x)
  (func (export "square_grad") (param $x i32) (param $dy i32) (param $out i32) (param $n i32)
    (local $i i32) (local $end i32)
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (v128.store align=4 (i32.add (local.get $out) (local.get $i))
          (f32x4.mul
            (v128.load align=4 (i32.add (local.get $dy) (local.get $i)))
            (f32x4.mul (v128.load align=4 (i32.add (local.get $x) (local.get $i))) (f32x4.splat (f32.const 2)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next))))

  ;; out = x * (min(max(x + 3, 0), 6) * (1/6))   (pmin/pmax: one minps/maxps each, where min/max
  ;; expand to NaN-fixing sequences; with the operand order used, pmax(0, NaN) and pmin(6, NaN) give NaN,
  ;; so NaN still propagates. A multiply by the
  ;; float32 1/6 instead of a divide: 4x cheaper, within 1 ulp of the composed op's x * (r / 6))
  (func (export "hard_swish") (param $x i32) (param $out i32) (param $n i32)
    (local $i i32) (local $end i32) (local $v v128)
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $v (v128.load align=4 (i32.add (local.get $x) (local.get $i))))
        (v128.store align=4 (i32.add (local.get $out) (local.get $i))
          (f32x4.mul
            (local.get $v)
            (f32x4.mul
              (f32x4.pmin
                (f32x4.splat (f32.const 6))
                (f32x4.pmax (f32x4.splat (f32.const 0)) (f32x4.add (local.get $v) (f32x4.splat (f32.const 3)))))
              (f32x4.splat (f32.const 0x1.555556p-3)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next))))

  ;; out = dy * g, g = 0 (x <= -3), (2x + 3) * (1/6) (-3 < x <= 3), 1 (x > 3); NaN where x is NaN
  ;; (exact at the kinks and at 0: 9 * (1/6) and 3 * (1/6) round to 1.5 and 0.5 in float32)
  (func (export "hard_swish_grad") (param $x i32) (param $dy i32) (param $out i32) (param $n i32)
    (local $i i32) (local $end i32) (local $v v128) (local $g v128)
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $v (v128.load align=4 (i32.add (local.get $x) (local.get $i))))
        (local.set $g
          (v128.bitselect
            (f32x4.splat (f32.const 1))
            (v128.and
              (f32x4.mul
                (f32x4.add (f32x4.mul (local.get $v) (f32x4.splat (f32.const 2))) (f32x4.splat (f32.const 3)))
                (f32x4.splat (f32.const 0x1.555556p-3)))
              (f32x4.gt (local.get $v) (f32x4.splat (f32.const -3))))
            (f32x4.gt (local.get $v) (f32x4.splat (f32.const 3)))))
        (v128.store align=4 (i32.add (local.get $out) (local.get $i))
          (v128.or
            (f32x4.mul (v128.load align=4 (i32.add (local.get $dy) (local.get $i))) (local.get $g))
            (v128.and (local.get $v) (f32x4.ne (local.get $v) (local.get $v)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next))))

  ;; Per-channel sums over rows of a [rows, C] tensor (C % 4 == 0) into float64 acc[C] (added to).
  ;; Blocks of up to 8 rows are summed in float32 registers, then added to the float64 accumulators:
  ;; one float64 read-modify-write per 8 rows instead of per row, with negligible rounding (8 terms).
  (func (export "channel_sums") (param $x i32) (param $acc i32) (param $rows i32) (param $C i32)
    (local $r i32) (local $c i32) (local $cb i32) (local $a i32) (local $v v128) (local $block i32)
    (local $j i32) (local $p i32)
    (local.set $cb (i32.shl (local.get $C) (i32.const 2)))
    (block $rowsDone
      (loop $row
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $block (select (i32.const 8) (i32.sub (local.get $rows) (local.get $r))
                                  (i32.ge_u (i32.sub (local.get $rows) (local.get $r)) (i32.const 8))))
        (local.set $c (i32.const 0))
        (block $chDone
          (loop $ch
            (br_if $chDone (i32.ge_u (local.get $c) (local.get $cb)))
            (local.set $p (i32.add (local.get $x) (local.get $c)))
            (local.set $v (v128.load align=4 (local.get $p)))
            (local.set $j (i32.const 1))
            (block $bDone
              (loop $bl
                (br_if $bDone (i32.ge_u (local.get $j) (local.get $block)))
                (local.set $p (i32.add (local.get $p) (local.get $cb)))
                (local.set $v (f32x4.add (local.get $v) (v128.load align=4 (local.get $p))))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $bl)))
            (local.set $a (i32.add (local.get $acc) (i32.shl (local.get $c) (i32.const 1))))
            (v128.store align=8 (local.get $a)
              (f64x2.add (v128.load align=8 (local.get $a)) (f64x2.promote_low_f32x4 (local.get $v))))
            (v128.store offset=16 align=8 (local.get $a)
              (f64x2.add (v128.load offset=16 align=8 (local.get $a))
                         (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br $ch)))
        (local.set $x (i32.add (local.get $x) (i32.mul (local.get $block) (local.get $cb))))
        (local.set $r (i32.add (local.get $r) (local.get $block)))
        (br $row))))

  ;; Sum of n float32 values (n % 4 == 0) in float64.
  (func (export "sum_all") (param $x i32) (param $n i32) (result f64)
    (local $i i32) (local $end i32) (local $lo v128) (local $hi v128) (local $v v128)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $v (v128.load align=4 (i32.add (local.get $x) (local.get $i))))
        (local.set $lo (f64x2.add (local.get $lo) (f64x2.promote_low_f32x4 (local.get $v))))
        (local.set $hi (f64x2.add (local.get $hi)
          (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next)))
    (local.set $lo (f64x2.add (local.get $lo) (local.get $hi)))
    (f64.add (f64x2.extract_lane 0 (local.get $lo)) (f64x2.extract_lane 1 (local.get $lo))))

  ;; BatchNorm backward over a [rows, C] tensor (C % 4 == 0): out = dy * k[c]; float64 acc gets
  ;; acc[c] += dy, acc[C + c] += dy * (x - mean[c]). mean and k are float32 [C]. As in channel_sums,
  ;; blocks of up to 8 rows are summed in float32 before each float64 update.
  (func (export "batchnorm_grad")
    (param $x i32) (param $dy i32) (param $mean i32) (param $k i32) (param $out i32) (param $acc i32)
    (param $rows i32) (param $C i32)
    (local $r i32) (local $c i32) (local $cb i32) (local $a i32) (local $b i32) (local $off i32)
    (local $d v128) (local $p v128) (local $sd v128) (local $sp v128) (local $m v128) (local $kk v128)
    (local $block i32) (local $j i32)
    (local.set $cb (i32.shl (local.get $C) (i32.const 2)))
    (block $rowsDone
      (loop $row
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $block (select (i32.const 8) (i32.sub (local.get $rows) (local.get $r))
                                  (i32.ge_u (i32.sub (local.get $rows) (local.get $r)) (i32.const 8))))
        (local.set $c (i32.const 0))
        (block $chDone
          (loop $ch
            (br_if $chDone (i32.ge_u (local.get $c) (local.get $cb)))
            (local.set $m (v128.load align=4 (i32.add (local.get $mean) (local.get $c))))
            (local.set $kk (v128.load align=4 (i32.add (local.get $k) (local.get $c))))
            (local.set $sd (v128.const i32x4 0 0 0 0))
            (local.set $sp (v128.const i32x4 0 0 0 0))
            (local.set $off (local.get $c))
            (local.set $j (i32.const 0))
            (block $bDone
              (loop $bl
                (br_if $bDone (i32.ge_u (local.get $j) (local.get $block)))
                (local.set $d (v128.load align=4 (i32.add (local.get $dy) (local.get $off))))
                (v128.store align=4 (i32.add (local.get $out) (local.get $off)) (f32x4.mul (local.get $d) (local.get $kk)))
                (local.set $sd (f32x4.add (local.get $sd) (local.get $d)))
                (local.set $sp (f32x4.add (local.get $sp)
                  (f32x4.mul (local.get $d) (f32x4.sub (v128.load align=4 (i32.add (local.get $x) (local.get $off))) (local.get $m)))))
                (local.set $off (i32.add (local.get $off) (local.get $cb)))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $bl)))
            (local.set $a (i32.add (local.get $acc) (i32.shl (local.get $c) (i32.const 1))))
            (local.set $b (i32.add (local.get $a) (i32.shl (local.get $cb) (i32.const 1))))
            (v128.store align=8 (local.get $a)
              (f64x2.add (v128.load align=8 (local.get $a)) (f64x2.promote_low_f32x4 (local.get $sd))))
            (v128.store offset=16 align=8 (local.get $a)
              (f64x2.add (v128.load offset=16 align=8 (local.get $a))
                         (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $sd) (local.get $sd)))))
            (v128.store align=8 (local.get $b)
              (f64x2.add (v128.load align=8 (local.get $b)) (f64x2.promote_low_f32x4 (local.get $sp))))
            (v128.store offset=16 align=8 (local.get $b)
              (f64x2.add (v128.load offset=16 align=8 (local.get $b))
                         (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $sp) (local.get $sp)))))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br $ch)))
        (local.set $off (i32.mul (local.get $block) (local.get $cb)))
        (local.set $x (i32.add (local.get $x) (local.get $off)))
        (local.set $dy (i32.add (local.get $dy) (local.get $off)))
        (local.set $out (i32.add (local.get $out) (local.get $off)))
        (local.set $r (i32.add (local.get $r) (local.get $block)))
        (br $row))))

  ;; BatchNorm forward over a [rows, C] tensor (C % 4 == 0): out = (x - mean[c]) * k[c] + offset[c].
  (func (export "batchnorm_forward")
    (param $x i32) (param $mean i32) (param $k i32) (param $offset i32) (param $out i32) (param $rows i32) (param $C i32)
    (local $r i32) (local $c i32) (local $cb i32)
    (local.set $cb (i32.shl (local.get $C) (i32.const 2)))
    (block $rowsDone
      (loop $row
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $c (i32.const 0))
        (block $chDone
          (loop $ch
            (br_if $chDone (i32.ge_u (local.get $c) (local.get $cb)))
            (v128.store align=4 (i32.add (local.get $out) (local.get $c))
              (f32x4.add
                (f32x4.mul
                  (f32x4.sub (v128.load align=4 (i32.add (local.get $x) (local.get $c)))
                             (v128.load align=4 (i32.add (local.get $mean) (local.get $c))))
                  (v128.load align=4 (i32.add (local.get $k) (local.get $c))))
                (v128.load align=4 (i32.add (local.get $offset) (local.get $c)))))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br $ch)))
        (local.set $x (i32.add (local.get $x) (local.get $cb)))
        (local.set $out (i32.add (local.get $out) (local.get $cb)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))

  ;; Depthwise filter gradient, multiplier 1, one filter tap: for `rows` rows of `cols` positions,
  ;; acc[c] += x[c] * dy[c] for the C channels (C % 4 == 0) at each position; acc is float64 [C].
  ;; Steps are in bytes: x advances xColStep per position and xRowStep per row, dy C*4 per position
  ;; and dyRowStep per row (the caller computes them from strides, dilation and padding). Each row's
  ;; products are summed in float32 registers, then added to the float64 accumulators.
  (func (export "depthwise_filter_tap")
    (param $x i32) (param $dy i32) (param $acc i32) (param $rows i32) (param $cols i32)
    (param $xColStep i32) (param $xRowStep i32) (param $dyRowStep i32) (param $C i32)
    (local $r i32) (local $j i32) (local $c i32) (local $cb i32) (local $a i32) (local $s v128)
    (local $xp i32) (local $dp i32)
    (local.set $cb (i32.shl (local.get $C) (i32.const 2)))
    (block $rowsDone
      (loop $row
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $c (i32.const 0))
        (block $chDone
          (loop $ch
            (br_if $chDone (i32.ge_u (local.get $c) (local.get $cb)))
            (local.set $xp (i32.add (local.get $x) (local.get $c)))
            (local.set $dp (i32.add (local.get $dy) (local.get $c)))
            (local.set $s (v128.const i32x4 0 0 0 0))
            (local.set $j (i32.const 0))
            (block $colsDone
              (loop $col
                (br_if $colsDone (i32.ge_u (local.get $j) (local.get $cols)))
                (local.set $s (f32x4.add (local.get $s)
                  (f32x4.mul (v128.load align=4 (local.get $xp)) (v128.load align=4 (local.get $dp)))))
                (local.set $xp (i32.add (local.get $xp) (local.get $xColStep)))
                (local.set $dp (i32.add (local.get $dp) (local.get $cb)))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $col)))
            (local.set $a (i32.add (local.get $acc) (i32.shl (local.get $c) (i32.const 1))))
            (v128.store align=8 (local.get $a)
              (f64x2.add (v128.load align=8 (local.get $a)) (f64x2.promote_low_f32x4 (local.get $s))))
            (v128.store offset=16 align=8 (local.get $a)
              (f64x2.add (v128.load offset=16 align=8 (local.get $a))
                         (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $s) (local.get $s)))))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br $ch)))
        (local.set $x (i32.add (local.get $x) (local.get $xRowStep)))
        (local.set $dy (i32.add (local.get $dy) (local.get $dyRowStep)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))

  ;; Depthwise input gradient, multiplier 1, one filter tap (the adjoint of the loop above): for `rows` rows
  ;; of `cols` positions, dx[c] += dy[c] * w[c] for the C channels (C % 4 == 0). dy advances C*4 bytes per
  ;; position and dyRowStep per row, dx dxColStep and dxRowStep (stride times the row or pixel): a strided
  ;; scatter-add, so a stride-2 layer touches only the positions it feeds, with no zeros spread between them.
  (func (export "depthwise_input_tap")
    (param $dy i32) (param $w i32) (param $dx i32) (param $rows i32) (param $cols i32)
    (param $dxColStep i32) (param $dxRowStep i32) (param $dyRowStep i32) (param $C i32)
    (local $r i32) (local $j i32) (local $c i32) (local $cb i32) (local $dp i32) (local $xp i32)
    (local.set $cb (i32.shl (local.get $C) (i32.const 2)))
    (block $rowsDone
      (loop $row
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $dp (local.get $dy))
        (local.set $xp (local.get $dx))
        (local.set $j (i32.const 0))
        (block $colsDone
          (loop $col
            (br_if $colsDone (i32.ge_u (local.get $j) (local.get $cols)))
            (local.set $c (i32.const 0))
            (block $chDone
              (loop $ch
                (br_if $chDone (i32.ge_u (local.get $c) (local.get $cb)))
                (v128.store align=4 (i32.add (local.get $xp) (local.get $c))
                  (f32x4.add (v128.load align=4 (i32.add (local.get $xp) (local.get $c)))
                    (f32x4.mul (v128.load align=4 (i32.add (local.get $dp) (local.get $c)))
                               (v128.load align=4 (i32.add (local.get $w) (local.get $c))))))
                (local.set $c (i32.add (local.get $c) (i32.const 16)))
                (br $ch)))
            (local.set $dp (i32.add (local.get $dp) (local.get $cb)))
            (local.set $xp (i32.add (local.get $xp) (local.get $dxColStep)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $col)))
        (local.set $dy (i32.add (local.get $dy) (local.get $dyRowStep)))
        (local.set $dx (i32.add (local.get $dx) (local.get $dxRowStep)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))

  ;; out[cols, rows] = transpose of x[rows, cols] (rows % 4 == 0, cols % 4 == 0), in 4x4 blocks.
  (func (export "transpose") (param $x i32) (param $out i32) (param $rows i32) (param $cols i32)
    (local $r i32) (local $c i32) (local $rb i32) (local $cb i32) (local $src i32) (local $dst i32)
    (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $rb (i32.shl (local.get $rows) (i32.const 2)))
    (local.set $cb (i32.shl (local.get $cols) (i32.const 2)))
    (block $rowsDone
      (loop $row
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $c (i32.const 0))
        (block $colsDone
          (loop $col
            (br_if $colsDone (i32.ge_u (local.get $c) (local.get $cols)))
            (local.set $src (i32.add (local.get $x)
              (i32.shl (i32.add (i32.mul (local.get $r) (local.get $cols)) (local.get $c)) (i32.const 2))))
            (local.set $r0 (v128.load align=4 (local.get $src)))
            (local.set $r1 (v128.load align=4 (i32.add (local.get $src) (local.get $cb))))
            (local.set $r2 (v128.load align=4 (i32.add (local.get $src) (i32.shl (local.get $cb) (i32.const 1)))))
            (local.set $r3 (v128.load align=4 (i32.add (local.get $src) (i32.mul (local.get $cb) (i32.const 3)))))
            (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r0) (local.get $r1)))
            (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r0) (local.get $r1)))
            (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r2) (local.get $r3)))
            (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r2) (local.get $r3)))
            (local.set $dst (i32.add (local.get $out)
              (i32.shl (i32.add (i32.mul (local.get $c) (local.get $rows)) (local.get $r)) (i32.const 2))))
            (v128.store align=4 (local.get $dst)
              (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
            (v128.store align=4 (i32.add (local.get $dst) (local.get $rb))
              (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
            (v128.store align=4 (i32.add (local.get $dst) (i32.shl (local.get $rb) (i32.const 1)))
              (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
            (v128.store align=4 (i32.add (local.get $dst) (i32.mul (local.get $rb) (i32.const 3)))
              (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $col)))
        (local.set $r (i32.add (local.get $r) (i32.const 4)))
        (br $row))))

  ;; out = dy * step(x): g = 1 where x > 0, NaN where x is NaN, else 0 (tfjs-core's relu gradient)
  (func (export "relu_grad") (param $x i32) (param $dy i32) (param $out i32) (param $n i32)
    (local $i i32) (local $end i32) (local $v v128)
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $v (v128.load align=4 (i32.add (local.get $x) (local.get $i))))
        (v128.store align=4 (i32.add (local.get $out) (local.get $i))
          (f32x4.mul
            (v128.load align=4 (i32.add (local.get $dy) (local.get $i)))
            (v128.or
              (v128.and (f32x4.splat (f32.const 1)) (f32x4.gt (local.get $v) (f32x4.splat (f32.const 0))))
              (v128.and (local.get $v) (f32x4.ne (local.get $v) (local.get $v))))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next))))

  ;; MaxPoolGrad for one output row of non-overlapping windows (stride = window size, no padding),
  ;; C % 4 == 0: for each window and channel, dy goes to the FIRST position (row-major) whose x equals
  ;; the pooled max (the cpu backend's tie-breaking), 0 to the window's other positions. x and dx point
  ;; at the window row's first input row; rows of the input are W*C floats apart.
  (func (export "maxpool_grad_row")
    (param $x i32) (param $pooled i32) (param $dy i32) (param $dx i32)
    (param $OW i32) (param $C i32) (param $FH i32) (param $FW i32) (param $W i32)
    (local $ow i32) (local $c i32) (local $cb i32) (local $fh i32) (local $fw i32) (local $rowBytes i32)
    (local $pos i32) (local $m v128) (local $d v128) (local $taken v128) (local $hit v128)
    (local.set $cb (i32.shl (local.get $C) (i32.const 2)))
    (local.set $rowBytes (i32.mul (local.get $W) (local.get $cb)))
    (block $owDone
      (loop $owLoop
        (br_if $owDone (i32.ge_u (local.get $ow) (local.get $OW)))
        (local.set $c (i32.const 0))
        (block $cDone
          (loop $cLoop
            (br_if $cDone (i32.ge_u (local.get $c) (local.get $cb)))
            (local.set $m (v128.load align=4 (i32.add (local.get $pooled) (local.get $c))))
            (local.set $d (v128.load align=4 (i32.add (local.get $dy) (local.get $c))))
            (local.set $taken (v128.const i32x4 0 0 0 0))
            (local.set $fh (i32.const 0))
            (block $fhDone
              (loop $fhLoop
                (br_if $fhDone (i32.ge_u (local.get $fh) (local.get $FH)))
                (local.set $fw (i32.const 0))
                (block $fwDone
                  (loop $fwLoop
                    (br_if $fwDone (i32.ge_u (local.get $fw) (local.get $FW)))
                    ;; byte offset of (fh, ow*FW + fw, c) from the window row's start
                    (local.set $pos (i32.add
                      (i32.add (i32.mul (local.get $fh) (local.get $rowBytes))
                               (i32.mul (i32.add (i32.mul (local.get $ow) (local.get $FW)) (local.get $fw)) (local.get $cb)))
                      (local.get $c)))
                    (local.set $hit (v128.andnot
                      (f32x4.eq (v128.load align=4 (i32.add (local.get $x) (local.get $pos))) (local.get $m))
                      (local.get $taken)))
                    (v128.store align=4 (i32.add (local.get $dx) (local.get $pos)) (v128.and (local.get $d) (local.get $hit)))
                    (local.set $taken (v128.or (local.get $taken) (local.get $hit)))
                    (local.set $fw (i32.add (local.get $fw) (i32.const 1)))
                    (br $fwLoop)))
                (local.set $fh (i32.add (local.get $fh) (i32.const 1)))
                (br $fhLoop)))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br $cLoop)))
        (local.set $pooled (i32.add (local.get $pooled) (local.get $cb)))
        (local.set $dy (i32.add (local.get $dy) (local.get $cb)))
        (local.set $ow (i32.add (local.get $ow) (i32.const 1)))
        (br $owLoop))))

  ;; out[from .. to) = 0 (float32 elements)
  (func $zero (param $out i32) (param $from i32) (param $to i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_s (local.get $from) (local.get $to)))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $from) (i32.const 2))) (f32.const 0))
        (local.set $from (i32.add (local.get $from) (i32.const 1)))
        (br $next))))

  ;; One row of the transposed im2col matrix of a convolution (filter tap fh, fw and input channel ci
  ;; fixed by the caller): out[m] for m = (b, oh, ow) is x[c0 + b*xBatch + oh*xRow + ow*xCol] (element
  ;; offsets, c0 may be negative) where ohLo <= oh < ohHi and owLo <= ow < owHi (inside the input),
  ;; else 0. The caller computes the valid ranges from padding, stride and dilation.
  (func (export "im2col_row")
    (param $x i32) (param $out i32) (param $N i32) (param $OH i32) (param $OW i32)
    (param $ohLo i32) (param $ohHi i32) (param $owLo i32) (param $owHi i32)
    (param $c0 i32) (param $xBatch i32) (param $xRow i32) (param $xCol i32)
    (local $b i32) (local $oh i32) (local $ow i32) (local $src i32) (local $colBytes i32)
    (local.set $colBytes (i32.shl (local.get $xCol) (i32.const 2)))
    (block $bDone
      (loop $bLoop
        (br_if $bDone (i32.ge_u (local.get $b) (local.get $N)))
        (local.set $oh (i32.const 0))
        (block $ohDone
          (loop $ohLoop
            (br_if $ohDone (i32.ge_u (local.get $oh) (local.get $OH)))
            ;; (zero runs are plain store loops: memory.fill is a runtime call, ~50 ns each, and these
            ;; runs are short and many)
            (if (i32.or (i32.lt_s (local.get $oh) (local.get $ohLo)) (i32.ge_s (local.get $oh) (local.get $ohHi)))
              (then
                (call $zero (local.get $out) (i32.const 0) (local.get $OW)))
              (else
                (call $zero (local.get $out) (i32.const 0) (local.get $owLo))
                (local.set $src (i32.add (local.get $x) (i32.shl
                  (i32.add (i32.add (local.get $c0) (i32.mul (local.get $b) (local.get $xBatch)))
                           (i32.add (i32.mul (local.get $oh) (local.get $xRow)) (i32.mul (local.get $owLo) (local.get $xCol))))
                  (i32.const 2))))
                (local.set $ow (local.get $owLo))
                ;; contiguous source (one input channel, stride 1): 4 floats per step, the rest below
                (if (i32.eq (local.get $xCol) (i32.const 1))
                  (then
                    (block $vDone
                      (loop $vLoop
                        (br_if $vDone (i32.gt_s (i32.add (local.get $ow) (i32.const 4)) (local.get $owHi)))
                        (v128.store align=4 (i32.add (local.get $out) (i32.shl (local.get $ow) (i32.const 2))) (v128.load align=4 (local.get $src)))
                        (local.set $src (i32.add (local.get $src) (i32.const 16)))
                        (local.set $ow (i32.add (local.get $ow) (i32.const 4)))
                        (br $vLoop)))))
                (block $owDone
                  (loop $owLoop
                    (br_if $owDone (i32.ge_s (local.get $ow) (local.get $owHi)))
                    (f32.store (i32.add (local.get $out) (i32.shl (local.get $ow) (i32.const 2))) (f32.load (local.get $src)))
                    (local.set $src (i32.add (local.get $src) (local.get $colBytes)))
                    (local.set $ow (i32.add (local.get $ow) (i32.const 1)))
                    (br $owLoop)))
                (call $zero (local.get $out) (local.get $owHi) (local.get $OW))))
            (local.set $out (i32.add (local.get $out) (i32.shl (local.get $OW) (i32.const 2))))
            (local.set $oh (i32.add (local.get $oh) (i32.const 1)))
            (br $ohLoop)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $bLoop))))

  ;; Four rows of the transposed im2col matrix at once, for input channels c0 .. c0+3 (CI % 4 == 0):
  ;; like im2col_row, but each input position's 4 channels are one v128 load, and 4 positions are
  ;; transposed in registers into 4 consecutive floats of each of the 4 rows (rows M floats apart).
  ;; The strided scalar gather took ~1 ms of a LeNet step for its 8-channel 5x5 layer.
  (func (export "im2col_rows4")
    (param $x i32) (param $out i32) (param $N i32) (param $OH i32) (param $OW i32)
    (param $ohLo i32) (param $ohHi i32) (param $owLo i32) (param $owHi i32)
    (param $c0 i32) (param $xBatch i32) (param $xRow i32) (param $xCol i32) (param $M i32)
    (local $b i32) (local $oh i32) (local $ow i32) (local $src i32) (local $colBytes i32) (local $rowBytes i32)
    (local $o i32) (local $j i32)
    (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $colBytes (i32.shl (local.get $xCol) (i32.const 2)))
    (local.set $rowBytes (i32.shl (local.get $M) (i32.const 2)))
    (block $bDone
      (loop $bLoop
        (br_if $bDone (i32.ge_u (local.get $b) (local.get $N)))
        (local.set $oh (i32.const 0))
        (block $ohDone
          (loop $ohLoop
            (br_if $ohDone (i32.ge_u (local.get $oh) (local.get $OH)))
            (if (i32.or (i32.lt_s (local.get $oh) (local.get $ohLo)) (i32.ge_s (local.get $oh) (local.get $ohHi)))
              (then
                (local.set $j (i32.const 0))
                (block $zDone (loop $zLoop
                  (br_if $zDone (i32.ge_u (local.get $j) (i32.const 4)))
                  (call $zero (i32.add (local.get $out) (i32.mul (local.get $j) (local.get $rowBytes))) (i32.const 0) (local.get $OW))
                  (local.set $j (i32.add (local.get $j) (i32.const 1)))
                  (br $zLoop))))
              (else
                (local.set $j (i32.const 0))
                (block $zDone (loop $zLoop
                  (br_if $zDone (i32.ge_u (local.get $j) (i32.const 4)))
                  (call $zero (i32.add (local.get $out) (i32.mul (local.get $j) (local.get $rowBytes))) (i32.const 0) (local.get $owLo))
                  (call $zero (i32.add (local.get $out) (i32.mul (local.get $j) (local.get $rowBytes))) (local.get $owHi) (local.get $OW))
                  (local.set $j (i32.add (local.get $j) (i32.const 1)))
                  (br $zLoop)))
                (local.set $src (i32.add (local.get $x) (i32.shl
                  (i32.add (i32.add (local.get $c0) (i32.mul (local.get $b) (local.get $xBatch)))
                           (i32.add (i32.mul (local.get $oh) (local.get $xRow)) (i32.mul (local.get $owLo) (local.get $xCol))))
                  (i32.const 2))))
                (local.set $ow (local.get $owLo))
                (block $vDone
                  (loop $vLoop
                    (br_if $vDone (i32.gt_s (i32.add (local.get $ow) (i32.const 4)) (local.get $owHi)))
                    (local.set $r0 (v128.load align=4 (local.get $src)))
                    (local.set $r1 (v128.load align=4 (i32.add (local.get $src) (local.get $colBytes))))
                    (local.set $r2 (v128.load align=4 (i32.add (local.get $src) (i32.shl (local.get $colBytes) (i32.const 1)))))
                    (local.set $r3 (v128.load align=4 (i32.add (local.get $src) (i32.mul (local.get $colBytes) (i32.const 3)))))
                    (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r0) (local.get $r1)))
                    (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r0) (local.get $r1)))
                    (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r2) (local.get $r3)))
                    (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r2) (local.get $r3)))
                    (local.set $o (i32.add (local.get $out) (i32.shl (local.get $ow) (i32.const 2))))
                    (v128.store align=4 (local.get $o)
                      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
                    (v128.store align=4 (i32.add (local.get $o) (local.get $rowBytes))
                      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
                    (v128.store align=4 (i32.add (local.get $o) (i32.shl (local.get $rowBytes) (i32.const 1)))
                      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
                    (v128.store align=4 (i32.add (local.get $o) (i32.mul (local.get $rowBytes) (i32.const 3)))
                      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
                    (local.set $src (i32.add (local.get $src) (i32.shl (local.get $colBytes) (i32.const 2))))
                    (local.set $ow (i32.add (local.get $ow) (i32.const 4)))
                    (br $vLoop)))
                (block $sDone
                  (loop $sLoop
                    (br_if $sDone (i32.ge_s (local.get $ow) (local.get $owHi)))
                    (local.set $o (i32.add (local.get $out) (i32.shl (local.get $ow) (i32.const 2))))
                    (f32.store (local.get $o) (f32.load (local.get $src)))
                    (f32.store (i32.add (local.get $o) (local.get $rowBytes)) (f32.load offset=4 (local.get $src)))
                    (f32.store (i32.add (local.get $o) (i32.shl (local.get $rowBytes) (i32.const 1))) (f32.load offset=8 (local.get $src)))
                    (f32.store (i32.add (local.get $o) (i32.mul (local.get $rowBytes) (i32.const 3))) (f32.load offset=12 (local.get $src)))
                    (local.set $src (i32.add (local.get $src) (local.get $colBytes)))
                    (local.set $ow (i32.add (local.get $ow) (i32.const 1)))
                    (br $sLoop)))))
            (local.set $out (i32.add (local.get $out) (i32.shl (local.get $OW) (i32.const 2))))
            (local.set $oh (i32.add (local.get $oh) (i32.const 1)))
            (br $ohLoop)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $bLoop))))

  ;; col2im: scatter-adds cols[m = (b, oh, ow), k = (fh, fw, ci)] into dx[b, oh*sh + fh*dh - pt,
  ;; ow*sw + fw*dw - pl, ci] for taps inside the input (the adjoint of the im2col gather). dx must be
  ;; zeroed by the caller. geometry = pointer to 14 i32: N H W CI OH OW FH FW sh sw dh dw pt pl.
  (func (export "col2im") (param $cols i32) (param $dx i32) (param $g i32)
    (local $N i32) (local $H i32) (local $W i32) (local $CI i32) (local $OH i32) (local $OW i32)
    (local $FH i32) (local $FW i32) (local $sh i32) (local $sw i32) (local $dh i32) (local $dw i32)
    (local $pt i32) (local $pl i32)
    (local $b i32) (local $oh i32) (local $ow i32) (local $fh i32) (local $fw i32) (local $ci i32)
    (local $ih i32) (local $iw i32) (local $src i32) (local $dst i32) (local $tapBytes i32)
    (local $fwLo i32) (local $fwHi i32) (local $run i32) (local $len i32)
    (local.set $N (i32.load offset=0 (local.get $g)))
    (local.set $H (i32.load offset=4 (local.get $g)))
    (local.set $W (i32.load offset=8 (local.get $g)))
    (local.set $CI (i32.load offset=12 (local.get $g)))
    (local.set $OH (i32.load offset=16 (local.get $g)))
    (local.set $OW (i32.load offset=20 (local.get $g)))
    (local.set $FH (i32.load offset=24 (local.get $g)))
    (local.set $FW (i32.load offset=28 (local.get $g)))
    (local.set $sh (i32.load offset=32 (local.get $g)))
    (local.set $sw (i32.load offset=36 (local.get $g)))
    (local.set $dh (i32.load offset=40 (local.get $g)))
    (local.set $dw (i32.load offset=44 (local.get $g)))
    (local.set $pt (i32.load offset=48 (local.get $g)))
    (local.set $pl (i32.load offset=52 (local.get $g)))
    (local.set $tapBytes (i32.shl (local.get $CI) (i32.const 2)))
    (local.set $src (local.get $cols))
    (block $bDone (loop $bLoop
      (br_if $bDone (i32.ge_s (local.get $b) (local.get $N)))
      (local.set $oh (i32.const 0))
      (block $ohDone (loop $ohLoop
        (br_if $ohDone (i32.ge_s (local.get $oh) (local.get $OH)))
        (local.set $ow (i32.const 0))
        (block $owDone (loop $owLoop
          (br_if $owDone (i32.ge_s (local.get $ow) (local.get $OW)))
          (local.set $fh (i32.const 0))
          (block $fhDone (loop $fhLoop
            (br_if $fhDone (i32.ge_s (local.get $fh) (local.get $FH)))
            (local.set $ih (i32.sub (i32.add (i32.mul (local.get $oh) (local.get $sh)) (i32.mul (local.get $fh) (local.get $dh))) (local.get $pt)))
            (local.set $fw (i32.const 0))
            ;; dilation 1: the taps fw = fwLo .. fwHi-1 inside the input land on consecutive input columns,
            ;; so their channels form one contiguous run of dx: one add loop instead of one per tap (the
            ;; same additions in the same order per dx element as the per-tap loop below)
            (if (i32.eq (local.get $dw) (i32.const 1))
              (then
                (if (i32.and (i32.ge_s (local.get $ih) (i32.const 0)) (i32.lt_s (local.get $ih) (local.get $H)))
                  (then
                    (local.set $iw (i32.sub (i32.mul (local.get $ow) (local.get $sw)) (local.get $pl)))
                    (local.set $fwLo (select (i32.sub (i32.const 0) (local.get $iw)) (i32.const 0) (i32.lt_s (local.get $iw) (i32.const 0))))
                    (local.set $fwHi (select (local.get $FW) (i32.sub (local.get $W) (local.get $iw))
                                             (i32.le_s (i32.add (local.get $iw) (local.get $FW)) (local.get $W))))
                    (if (i32.gt_s (local.get $fwHi) (local.get $fwLo))
                      (then
                        (local.set $dst (i32.add (local.get $dx) (i32.shl
                          (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $H)) (local.get $ih)) (local.get $W))
                                            (i32.add (local.get $iw) (local.get $fwLo))) (local.get $CI))
                          (i32.const 2))))
                        (local.set $run (i32.add (local.get $src) (i32.mul (local.get $fwLo) (local.get $tapBytes))))
                        (local.set $len (i32.mul (i32.sub (local.get $fwHi) (local.get $fwLo)) (local.get $tapBytes)))
                        (local.set $ci (i32.const 0))
                        (block $rvDone (loop $rvLoop
                          (br_if $rvDone (i32.gt_s (i32.add (local.get $ci) (i32.const 16)) (local.get $len)))
                          (v128.store align=4 (i32.add (local.get $dst) (local.get $ci))
                            (f32x4.add (v128.load align=4 (i32.add (local.get $dst) (local.get $ci))) (v128.load align=4 (i32.add (local.get $run) (local.get $ci)))))
                          (local.set $ci (i32.add (local.get $ci) (i32.const 16)))
                          (br $rvLoop)))
                        (block $rsDone (loop $rsLoop
                          (br_if $rsDone (i32.ge_s (local.get $ci) (local.get $len)))
                          (f32.store (i32.add (local.get $dst) (local.get $ci))
                            (f32.add (f32.load (i32.add (local.get $dst) (local.get $ci))) (f32.load (i32.add (local.get $run) (local.get $ci)))))
                          (local.set $ci (i32.add (local.get $ci) (i32.const 4)))
                          (br $rsLoop)))))))
                (local.set $src (i32.add (local.get $src) (i32.mul (local.get $FW) (local.get $tapBytes))))
                (local.set $fw (local.get $FW))))
            (block $fwDone (loop $fwLoop
              (br_if $fwDone (i32.ge_s (local.get $fw) (local.get $FW)))
              (local.set $iw (i32.sub (i32.add (i32.mul (local.get $ow) (local.get $sw)) (i32.mul (local.get $fw) (local.get $dw))) (local.get $pl)))
              (if (i32.and
                    (i32.and (i32.ge_s (local.get $ih) (i32.const 0)) (i32.lt_s (local.get $ih) (local.get $H)))
                    (i32.and (i32.ge_s (local.get $iw) (i32.const 0)) (i32.lt_s (local.get $iw) (local.get $W))))
                (then
                  (local.set $dst (i32.add (local.get $dx) (i32.shl
                    (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $H)) (local.get $ih)) (local.get $W)) (local.get $iw)) (local.get $CI))
                    (i32.const 2))))
                  (local.set $ci (i32.const 0))
                  ;; CI % 4 == 0: 4 channels per step (the scalar loop below then has nothing left)
                  (if (i32.eqz (i32.and (local.get $CI) (i32.const 3)))
                    (then
                      (block $vDone (loop $vLoop
                        (br_if $vDone (i32.ge_s (local.get $ci) (local.get $tapBytes)))
                        (v128.store align=4 (i32.add (local.get $dst) (local.get $ci))
                          (f32x4.add (v128.load align=4 (i32.add (local.get $dst) (local.get $ci))) (v128.load align=4 (i32.add (local.get $src) (local.get $ci)))))
                        (local.set $ci (i32.add (local.get $ci) (i32.const 16)))
                        (br $vLoop)))))
                  (block $ciDone (loop $ciLoop
                    (br_if $ciDone (i32.ge_s (local.get $ci) (local.get $tapBytes)))
                    (f32.store (i32.add (local.get $dst) (local.get $ci))
                      (f32.add (f32.load (i32.add (local.get $dst) (local.get $ci))) (f32.load (i32.add (local.get $src) (local.get $ci)))))
                    (local.set $ci (i32.add (local.get $ci) (i32.const 4)))
                    (br $ciLoop)))))
              (local.set $src (i32.add (local.get $src) (local.get $tapBytes)))
              (local.set $fw (i32.add (local.get $fw) (i32.const 1)))
              (br $fwLoop)))
            (local.set $fh (i32.add (local.get $fh) (i32.const 1)))
            (br $fhLoop)))
          (local.set $ow (i32.add (local.get $ow) (i32.const 1)))
          (br $owLoop)))
        (local.set $oh (i32.add (local.get $oh) (i32.const 1)))
        (br $ohLoop)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $bLoop))))

  ;; One Adam step over n values (n % 4 == 0), the same float32 operations in the same order as
  ;; tfjs-core's AdamOptimizer: m' = m*b1 + g*(1-b1); v' = v*b2 + g*g*(1-b2);
  ;; w' = (m'/c1) / (sqrt(v'/c2) + eps) * (-lr) + w, with c1 = 1 - b1^t, c2 = 1 - b2^t.
  (func (export "adam_update")
    (param $w i32) (param $m i32) (param $v i32) (param $g i32) (param $outW i32) (param $outM i32) (param $outV i32)
    (param $n i32) (param $b1 f32) (param $omb1 f32) (param $b2 f32) (param $omb2 f32) (param $c1 f32) (param $c2 f32)
    (param $eps f32) (param $negLr f32)
    (local $i i32) (local $end i32) (local $gv v128) (local $nm v128) (local $nv v128)
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $gv (v128.load align=4 (i32.add (local.get $g) (local.get $i))))
        (local.set $nm (f32x4.add
          (f32x4.mul (v128.load align=4 (i32.add (local.get $m) (local.get $i))) (f32x4.splat (local.get $b1)))
          (f32x4.mul (local.get $gv) (f32x4.splat (local.get $omb1)))))
        (local.set $nv (f32x4.add
          (f32x4.mul (v128.load align=4 (i32.add (local.get $v) (local.get $i))) (f32x4.splat (local.get $b2)))
          (f32x4.mul (f32x4.mul (local.get $gv) (local.get $gv)) (f32x4.splat (local.get $omb2)))))
        (v128.store align=4 (i32.add (local.get $outM) (local.get $i)) (local.get $nm))
        (v128.store align=4 (i32.add (local.get $outV) (local.get $i)) (local.get $nv))
        (v128.store align=4 (i32.add (local.get $outW) (local.get $i))
          (f32x4.add
            (f32x4.mul
              (f32x4.div
                (f32x4.div (local.get $nm) (f32x4.splat (local.get $c1)))
                (f32x4.add (f32x4.sqrt (f32x4.div (local.get $nv) (f32x4.splat (local.get $c2)))) (f32x4.splat (local.get $eps))))
              (f32x4.splat (local.get $negLr)))
            (v128.load align=4 (i32.add (local.get $w) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next))))

  ;; out = x * x
  (func (export "square") (param $x i32) (param $out i32) (param $n i32)
    (local $i i32) (local $end i32) (local $v v128)
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $v (v128.load align=4 (i32.add (local.get $x) (local.get $i))))
        (v128.store align=4 (i32.add (local.get $out) (local.get $i)) (f32x4.mul (local.get $v) (local.get $v)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next))))

  ;; out[r, c] = x[r, c] - b[c] over a [rows, C] tensor (C % 4 == 0): tf.moments' x - mean.
  (func (export "sub_channels") (param $x i32) (param $b i32) (param $out i32) (param $rows i32) (param $C i32)
    (local $r i32) (local $c i32) (local $cb i32)
    (local.set $cb (i32.shl (local.get $C) (i32.const 2)))
    (block $rowsDone
      (loop $row
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $c (i32.const 0))
        (block $chDone
          (loop $ch
            (br_if $chDone (i32.ge_u (local.get $c) (local.get $cb)))
            (v128.store align=4 (i32.add (local.get $out) (local.get $c))
              (f32x4.sub (v128.load align=4 (i32.add (local.get $x) (local.get $c)))
                         (v128.load align=4 (i32.add (local.get $b) (local.get $c)))))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br $ch)))
        (local.set $x (i32.add (local.get $x) (local.get $cb)))
        (local.set $out (i32.add (local.get $out) (local.get $cb)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))

  ;; out[r, c] = x[r, c] + b[c] over a [rows, C] tensor (C % 4 == 0): the bias add of every conv and
  ;; dense layer (the stock Add took XNNPACK's generic broadcast path, ~2.4 ns per element).
  (func (export "add_channels") (param $x i32) (param $b i32) (param $out i32) (param $rows i32) (param $C i32)
    (local $r i32) (local $c i32) (local $cb i32)
    (local.set $cb (i32.shl (local.get $C) (i32.const 2)))
    (block $rowsDone
      (loop $row
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $c (i32.const 0))
        (block $chDone
          (loop $ch
            (br_if $chDone (i32.ge_u (local.get $c) (local.get $cb)))
            (v128.store align=4 (i32.add (local.get $out) (local.get $c))
              (f32x4.add (v128.load align=4 (i32.add (local.get $x) (local.get $c)))
                         (v128.load align=4 (i32.add (local.get $b) (local.get $c)))))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br $ch)))
        (local.set $x (i32.add (local.get $x) (local.get $cb)))
        (local.set $out (i32.add (local.get $out) (local.get $cb)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))

  ;; Per-channel sums of squared deviations over rows of a [rows, C] tensor (C % 4 == 0):
  ;; acc[c] += (x - mean[c])^2 in float64 (float32 partial sums over blocks of up to 8 rows).
  (func (export "channel_sq_dev") (param $x i32) (param $mean i32) (param $acc i32) (param $rows i32) (param $C i32)
    (local $r i32) (local $c i32) (local $cb i32) (local $a i32) (local $s v128) (local $d v128) (local $m v128)
    (local $block i32) (local $j i32) (local $p i32)
    (local.set $cb (i32.shl (local.get $C) (i32.const 2)))
    (block $rowsDone
      (loop $row
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $block (select (i32.const 8) (i32.sub (local.get $rows) (local.get $r))
                                  (i32.ge_u (i32.sub (local.get $rows) (local.get $r)) (i32.const 8))))
        (local.set $c (i32.const 0))
        (block $chDone
          (loop $ch
            (br_if $chDone (i32.ge_u (local.get $c) (local.get $cb)))
            (local.set $m (v128.load align=4 (i32.add (local.get $mean) (local.get $c))))
            (local.set $p (i32.add (local.get $x) (local.get $c)))
            (local.set $s (v128.const i32x4 0 0 0 0))
            (local.set $j (i32.const 0))
            (block $bDone
              (loop $bl
                (br_if $bDone (i32.ge_u (local.get $j) (local.get $block)))
                (local.set $d (f32x4.sub (v128.load align=4 (local.get $p)) (local.get $m)))
                (local.set $s (f32x4.add (local.get $s) (f32x4.mul (local.get $d) (local.get $d))))
                (local.set $p (i32.add (local.get $p) (local.get $cb)))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $bl)))
            (local.set $a (i32.add (local.get $acc) (i32.shl (local.get $c) (i32.const 1))))
            (v128.store align=8 (local.get $a)
              (f64x2.add (v128.load align=8 (local.get $a)) (f64x2.promote_low_f32x4 (local.get $s))))
            (v128.store offset=16 align=8 (local.get $a)
              (f64x2.add (v128.load offset=16 align=8 (local.get $a))
                         (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $s) (local.get $s)))))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br $ch)))
        (local.set $x (i32.add (local.get $x) (i32.mul (local.get $block) (local.get $cb))))
        (local.set $r (i32.add (local.get $r) (local.get $block)))
        (br $row))))

  ;; Direct convolution of a one-channel input (CI = 1, the first layer of a digit or spectrogram net),
  ;; CO % 8 == 0. XNNPACK's GEMM tiles assume several input channels; with one, its conv ran at half the
  ;; speed of LeNet's second layer. out[b, oh, ow, co] = act(bias[co] + sum over taps (fh, fw) of
  ;; x[b, oh*sh + fh, ow*sw + fw] * w[fh, fw, 0, co]) on an already padded x. Tiles of 4 output
  ;; positions x 8 channels (8 accumulators); the last OW % 4 positions one at a time. Byte steps: xImage
  ;; per image, xRow per output row, xCol per output column, tapRow per filter row, tapCol per filter
  ;; column. relu != 0 applies max(., 0) (NaN stays NaN, as in tf.relu).
  (func (export "conv1ch_forward")
    (param $x i32) (param $w i32) (param $bias i32) (param $out i32)
    (param $N i32) (param $OH i32) (param $OW i32) (param $FH i32) (param $FW i32)
    (param $xImage i32) (param $xRow i32) (param $xCol i32) (param $tapRow i32) (param $tapCol i32)
    (param $CO i32) (param $relu i32)
    (local $b i32) (local $oh i32) (local $ow i32) (local $co i32) (local $fh i32) (local $fw i32)
    (local $coB i32) (local $xc2 i32) (local $xc3 i32) (local $rowX i32) (local $rowOut i32)
    (local $xp i32) (local $xq i32) (local $wp i32) (local $op i32)
    (local $b0 v128) (local $b1 v128) (local $w0 v128) (local $w1 v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local $a00 v128) (local $a01 v128) (local $a10 v128) (local $a11 v128)
    (local $a20 v128) (local $a21 v128) (local $a30 v128) (local $a31 v128)
    (local.set $coB (i32.shl (local.get $CO) (i32.const 2)))
    (local.set $xc2 (i32.shl (local.get $xCol) (i32.const 1)))
    (local.set $xc3 (i32.add (local.get $xc2) (local.get $xCol)))
    (local.set $rowOut (local.get $out))
    (block $imagesDone (loop $image
      (br_if $imagesDone (i32.ge_u (local.get $b) (local.get $N)))
      (local.set $oh (i32.const 0))
      (block $rowsDone (loop $row
        (br_if $rowsDone (i32.ge_u (local.get $oh) (local.get $OH)))
        (local.set $rowX (i32.add (i32.add (local.get $x) (i32.mul (local.get $b) (local.get $xImage)))
                                  (i32.mul (local.get $oh) (local.get $xRow))))
        (local.set $co (i32.const 0))
        (block $chDone (loop $ch
          (br_if $chDone (i32.ge_u (local.get $co) (local.get $coB)))
          (local.set $b0 (v128.load align=4 (i32.add (local.get $bias) (local.get $co))))
          (local.set $b1 (v128.load offset=16 align=4 (i32.add (local.get $bias) (local.get $co))))
          (local.set $ow (i32.const 0))
          ;; four output positions at a time
          (block $quadsDone (loop $quad
            (br_if $quadsDone (i32.gt_u (i32.add (local.get $ow) (i32.const 4)) (local.get $OW)))
            (local.set $a00 (local.get $b0)) (local.set $a01 (local.get $b1))
            (local.set $a10 (local.get $b0)) (local.set $a11 (local.get $b1))
            (local.set $a20 (local.get $b0)) (local.set $a21 (local.get $b1))
            (local.set $a30 (local.get $b0)) (local.set $a31 (local.get $b1))
            (local.set $xp (i32.add (local.get $rowX) (i32.mul (local.get $ow) (local.get $xCol))))
            (local.set $wp (i32.add (local.get $w) (local.get $co)))
            (local.set $fh (i32.const 0))
            (block $fhDone (loop $tapRowLoop
              (br_if $fhDone (i32.ge_u (local.get $fh) (local.get $FH)))
              (local.set $xq (i32.add (local.get $xp) (i32.mul (local.get $fh) (local.get $tapRow))))
              (local.set $fw (i32.const 0))
              (block $fwDone (loop $tapColLoop
                (br_if $fwDone (i32.ge_u (local.get $fw) (local.get $FW)))
                (local.set $w0 (v128.load align=4 (local.get $wp)))
                (local.set $w1 (v128.load offset=16 align=4 (local.get $wp)))
                (local.set $s0 (f32x4.splat (f32.load (local.get $xq))))
                (local.set $s1 (f32x4.splat (f32.load (i32.add (local.get $xq) (local.get $xCol)))))
                (local.set $s2 (f32x4.splat (f32.load (i32.add (local.get $xq) (local.get $xc2)))))
                (local.set $s3 (f32x4.splat (f32.load (i32.add (local.get $xq) (local.get $xc3)))))
                (local.set $a00 (f32x4.add (local.get $a00) (f32x4.mul (local.get $s0) (local.get $w0))))
                (local.set $a01 (f32x4.add (local.get $a01) (f32x4.mul (local.get $s0) (local.get $w1))))
                (local.set $a10 (f32x4.add (local.get $a10) (f32x4.mul (local.get $s1) (local.get $w0))))
                (local.set $a11 (f32x4.add (local.get $a11) (f32x4.mul (local.get $s1) (local.get $w1))))
                (local.set $a20 (f32x4.add (local.get $a20) (f32x4.mul (local.get $s2) (local.get $w0))))
                (local.set $a21 (f32x4.add (local.get $a21) (f32x4.mul (local.get $s2) (local.get $w1))))
                (local.set $a30 (f32x4.add (local.get $a30) (f32x4.mul (local.get $s3) (local.get $w0))))
                (local.set $a31 (f32x4.add (local.get $a31) (f32x4.mul (local.get $s3) (local.get $w1))))
                (local.set $xq (i32.add (local.get $xq) (local.get $tapCol)))
                (local.set $wp (i32.add (local.get $wp) (local.get $coB)))
                (local.set $fw (i32.add (local.get $fw) (i32.const 1)))
                (br $tapColLoop)))
              (local.set $fh (i32.add (local.get $fh) (i32.const 1)))
              (br $tapRowLoop)))
            (if (local.get $relu) (then
              (local.set $s0 (v128.const i32x4 0 0 0 0))
              (local.set $a00 (f32x4.max (local.get $a00) (local.get $s0)))
              (local.set $a01 (f32x4.max (local.get $a01) (local.get $s0)))
              (local.set $a10 (f32x4.max (local.get $a10) (local.get $s0)))
              (local.set $a11 (f32x4.max (local.get $a11) (local.get $s0)))
              (local.set $a20 (f32x4.max (local.get $a20) (local.get $s0)))
              (local.set $a21 (f32x4.max (local.get $a21) (local.get $s0)))
              (local.set $a30 (f32x4.max (local.get $a30) (local.get $s0)))
              (local.set $a31 (f32x4.max (local.get $a31) (local.get $s0)))))
            (local.set $op (i32.add (i32.add (local.get $rowOut) (i32.mul (local.get $ow) (local.get $coB))) (local.get $co)))
            (v128.store align=4 (local.get $op) (local.get $a00))
            (v128.store offset=16 align=4 (local.get $op) (local.get $a01))
            (local.set $op (i32.add (local.get $op) (local.get $coB)))
            (v128.store align=4 (local.get $op) (local.get $a10))
            (v128.store offset=16 align=4 (local.get $op) (local.get $a11))
            (local.set $op (i32.add (local.get $op) (local.get $coB)))
            (v128.store align=4 (local.get $op) (local.get $a20))
            (v128.store offset=16 align=4 (local.get $op) (local.get $a21))
            (local.set $op (i32.add (local.get $op) (local.get $coB)))
            (v128.store align=4 (local.get $op) (local.get $a30))
            (v128.store offset=16 align=4 (local.get $op) (local.get $a31))
            (local.set $ow (i32.add (local.get $ow) (i32.const 4)))
            (br $quad)))
          ;; the last OW % 4 positions
          (block $singlesDone (loop $single
            (br_if $singlesDone (i32.ge_u (local.get $ow) (local.get $OW)))
            (local.set $a00 (local.get $b0)) (local.set $a01 (local.get $b1))
            (local.set $xp (i32.add (local.get $rowX) (i32.mul (local.get $ow) (local.get $xCol))))
            (local.set $wp (i32.add (local.get $w) (local.get $co)))
            (local.set $fh (i32.const 0))
            (block $fhDone1 (loop $tapRowLoop1
              (br_if $fhDone1 (i32.ge_u (local.get $fh) (local.get $FH)))
              (local.set $xq (i32.add (local.get $xp) (i32.mul (local.get $fh) (local.get $tapRow))))
              (local.set $fw (i32.const 0))
              (block $fwDone1 (loop $tapColLoop1
                (br_if $fwDone1 (i32.ge_u (local.get $fw) (local.get $FW)))
                (local.set $s0 (f32x4.splat (f32.load (local.get $xq))))
                (local.set $a00 (f32x4.add (local.get $a00) (f32x4.mul (local.get $s0) (v128.load align=4 (local.get $wp)))))
                (local.set $a01 (f32x4.add (local.get $a01) (f32x4.mul (local.get $s0) (v128.load offset=16 align=4 (local.get $wp)))))
                (local.set $xq (i32.add (local.get $xq) (local.get $tapCol)))
                (local.set $wp (i32.add (local.get $wp) (local.get $coB)))
                (local.set $fw (i32.add (local.get $fw) (i32.const 1)))
                (br $tapColLoop1)))
              (local.set $fh (i32.add (local.get $fh) (i32.const 1)))
              (br $tapRowLoop1)))
            (if (local.get $relu) (then
              (local.set $s0 (v128.const i32x4 0 0 0 0))
              (local.set $a00 (f32x4.max (local.get $a00) (local.get $s0)))
              (local.set $a01 (f32x4.max (local.get $a01) (local.get $s0)))))
            (local.set $op (i32.add (i32.add (local.get $rowOut) (i32.mul (local.get $ow) (local.get $coB))) (local.get $co)))
            (v128.store align=4 (local.get $op) (local.get $a00))
            (v128.store offset=16 align=4 (local.get $op) (local.get $a01))
            (local.set $ow (i32.add (local.get $ow) (i32.const 1)))
            (br $single)))
          (local.set $co (i32.add (local.get $co) (i32.const 32)))
          (br $ch)))
        (local.set $rowOut (i32.add (local.get $rowOut) (i32.mul (local.get $OW) (local.get $coB))))
        (local.set $oh (i32.add (local.get $oh) (i32.const 1)))
        (br $row)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $image))))

  ;; Filter gradient of a regular convolution, CO % 8 == 0: acc[t, co] += sum over every output position
  ;; (b, oh, ow) of x[position + tap t] * dy[b, oh, ow, co], where a tap t is one (fh, fw, ci) row of the
  ;; filter, taken four at a time (8 accumulators: 4 taps x 8 channels). `offsets` holds G*4 byte offsets
  ;; into the (padded) image, one per tap (the caller points unused slots of the last group at offset 0
  ;; and drops their sums); acc is float32 [G*4, CO]. Byte steps: xImage per image, xRow per output row,
  ;; xCol per output column. Sums run in float32 over one image at a time, then add into acc.
  (func (export "conv_filter_grad")
    (param $x i32) (param $dy i32) (param $acc i32) (param $offsets i32) (param $G i32)
    (param $N i32) (param $OH i32) (param $OW i32)
    (param $xImage i32) (param $xRow i32) (param $xCol i32) (param $CO i32)
    (local $b i32) (local $g i32) (local $co i32) (local $oh i32) (local $ow i32) (local $coB i32)
    (local $o0 i32) (local $o1 i32) (local $o2 i32) (local $o3 i32)
    (local $img i32) (local $dyImg i32) (local $xp i32) (local $dp i32) (local $ap i32)
    (local $d0 v128) (local $d1 v128) (local $s v128)
    (local $a00 v128) (local $a01 v128) (local $a10 v128) (local $a11 v128)
    (local $a20 v128) (local $a21 v128) (local $a30 v128) (local $a31 v128)
    (local.set $coB (i32.shl (local.get $CO) (i32.const 2)))
    (block $imagesDone (loop $image
      (br_if $imagesDone (i32.ge_u (local.get $b) (local.get $N)))
      (local.set $img (i32.add (local.get $x) (i32.mul (local.get $b) (local.get $xImage))))
      (local.set $dyImg (i32.add (local.get $dy) (i32.mul (i32.mul (local.get $b) (i32.mul (local.get $OH) (local.get $OW))) (local.get $coB))))
      (local.set $g (i32.const 0))
      (block $groupsDone (loop $group
        (br_if $groupsDone (i32.ge_u (local.get $g) (local.get $G)))
        (local.set $o0 (i32.load (i32.add (local.get $offsets) (i32.shl (local.get $g) (i32.const 4)))))
        (local.set $o1 (i32.load offset=4 (i32.add (local.get $offsets) (i32.shl (local.get $g) (i32.const 4)))))
        (local.set $o2 (i32.load offset=8 (i32.add (local.get $offsets) (i32.shl (local.get $g) (i32.const 4)))))
        (local.set $o3 (i32.load offset=12 (i32.add (local.get $offsets) (i32.shl (local.get $g) (i32.const 4)))))
        (local.set $co (i32.const 0))
        (block $chDone (loop $ch
          (br_if $chDone (i32.ge_u (local.get $co) (local.get $coB)))
          (local.set $a00 (v128.const i32x4 0 0 0 0)) (local.set $a01 (v128.const i32x4 0 0 0 0))
          (local.set $a10 (v128.const i32x4 0 0 0 0)) (local.set $a11 (v128.const i32x4 0 0 0 0))
          (local.set $a20 (v128.const i32x4 0 0 0 0)) (local.set $a21 (v128.const i32x4 0 0 0 0))
          (local.set $a30 (v128.const i32x4 0 0 0 0)) (local.set $a31 (v128.const i32x4 0 0 0 0))
          (local.set $dp (i32.add (local.get $dyImg) (local.get $co)))
          (local.set $oh (i32.const 0))
          (block $rowsDone (loop $row
            (br_if $rowsDone (i32.ge_u (local.get $oh) (local.get $OH)))
            (local.set $xp (i32.add (local.get $img) (i32.mul (local.get $oh) (local.get $xRow))))
            (local.set $ow (i32.const 0))
            (block $colsDone (loop $col
              (br_if $colsDone (i32.ge_u (local.get $ow) (local.get $OW)))
              (local.set $d0 (v128.load align=4 (local.get $dp)))
              (local.set $d1 (v128.load offset=16 align=4 (local.get $dp)))
              (local.set $s (f32x4.splat (f32.load (i32.add (local.get $xp) (local.get $o0)))))
              (local.set $a00 (f32x4.add (local.get $a00) (f32x4.mul (local.get $s) (local.get $d0))))
              (local.set $a01 (f32x4.add (local.get $a01) (f32x4.mul (local.get $s) (local.get $d1))))
              (local.set $s (f32x4.splat (f32.load (i32.add (local.get $xp) (local.get $o1)))))
              (local.set $a10 (f32x4.add (local.get $a10) (f32x4.mul (local.get $s) (local.get $d0))))
              (local.set $a11 (f32x4.add (local.get $a11) (f32x4.mul (local.get $s) (local.get $d1))))
              (local.set $s (f32x4.splat (f32.load (i32.add (local.get $xp) (local.get $o2)))))
              (local.set $a20 (f32x4.add (local.get $a20) (f32x4.mul (local.get $s) (local.get $d0))))
              (local.set $a21 (f32x4.add (local.get $a21) (f32x4.mul (local.get $s) (local.get $d1))))
              (local.set $s (f32x4.splat (f32.load (i32.add (local.get $xp) (local.get $o3)))))
              (local.set $a30 (f32x4.add (local.get $a30) (f32x4.mul (local.get $s) (local.get $d0))))
              (local.set $a31 (f32x4.add (local.get $a31) (f32x4.mul (local.get $s) (local.get $d1))))
              (local.set $xp (i32.add (local.get $xp) (local.get $xCol)))
              (local.set $dp (i32.add (local.get $dp) (local.get $coB)))
              (local.set $ow (i32.add (local.get $ow) (i32.const 1)))
              (br $col)))
            (local.set $oh (i32.add (local.get $oh) (i32.const 1)))
            (br $row)))
          ;; acc rows g*4 + j, columns co..co+7
          (local.set $ap (i32.add (i32.add (local.get $acc) (i32.mul (i32.shl (local.get $g) (i32.const 2)) (local.get $coB))) (local.get $co)))
          (v128.store align=4 (local.get $ap) (f32x4.add (v128.load align=4 (local.get $ap)) (local.get $a00)))
          (v128.store offset=16 align=4 (local.get $ap) (f32x4.add (v128.load offset=16 align=4 (local.get $ap)) (local.get $a01)))
          (local.set $ap (i32.add (local.get $ap) (local.get $coB)))
          (v128.store align=4 (local.get $ap) (f32x4.add (v128.load align=4 (local.get $ap)) (local.get $a10)))
          (v128.store offset=16 align=4 (local.get $ap) (f32x4.add (v128.load offset=16 align=4 (local.get $ap)) (local.get $a11)))
          (local.set $ap (i32.add (local.get $ap) (local.get $coB)))
          (v128.store align=4 (local.get $ap) (f32x4.add (v128.load align=4 (local.get $ap)) (local.get $a20)))
          (v128.store offset=16 align=4 (local.get $ap) (f32x4.add (v128.load offset=16 align=4 (local.get $ap)) (local.get $a21)))
          (local.set $ap (i32.add (local.get $ap) (local.get $coB)))
          (v128.store align=4 (local.get $ap) (f32x4.add (v128.load align=4 (local.get $ap)) (local.get $a30)))
          (v128.store offset=16 align=4 (local.get $ap) (f32x4.add (v128.load offset=16 align=4 (local.get $ap)) (local.get $a31)))
          (local.set $co (i32.add (local.get $co) (i32.const 32)))
          (br $ch)))
        (local.set $g (i32.add (local.get $g) (i32.const 1)))
        (br $group)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $image))))

  ;; The practical ceiling of the loops above on this machine (step-profile.ts reports kernels against it):
  ;; the inner loop of a direct convolution with nothing else, `iters` rounds of four steps, each step two
  ;; weight vectors loaded from the 1 KiB at $w (cycled through, so L1-resident and not hoistable) times four
  ;; fixed splats into 8 accumulators: 32 multiply-adds a step, 128 a round (MAC_PEAK_MACS_PER_ROUND in
  ;; simd.ts). Unrolled 4x because the loop overhead of one step alone costs ~20 %. Returns the sum of all lanes.
  (func (export "mac_peak") (param $iters i32) (param $w i32) (result f32)
    (local $a00 v128) (local $a01 v128) (local $a10 v128) (local $a11 v128)
    (local $a20 v128) (local $a21 v128) (local $a30 v128) (local $a31 v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128) (local $d0 v128) (local $d1 v128) (local $p i32) (local $off i32)
    (local.set $s0 (f32x4.splat (f32.const 1)))
    (local.set $s1 (f32x4.splat (f32.const 2)))
    (local.set $s2 (f32x4.splat (f32.const 3)))
    (local.set $s3 (f32x4.splat (f32.const 4)))
    (block $done
      (loop $round
        (br_if $done (i32.eqz (local.get $iters)))
        (local.set $p (i32.add (local.get $w) (local.get $off)))
        (local.set $d0 (v128.load offset=0 align=4 (local.get $p)))
        (local.set $d1 (v128.load offset=16 align=4 (local.get $p)))
        (local.set $a00 (f32x4.add (local.get $a00) (f32x4.mul (local.get $s0) (local.get $d0))))
        (local.set $a01 (f32x4.add (local.get $a01) (f32x4.mul (local.get $s0) (local.get $d1))))
        (local.set $a10 (f32x4.add (local.get $a10) (f32x4.mul (local.get $s1) (local.get $d0))))
        (local.set $a11 (f32x4.add (local.get $a11) (f32x4.mul (local.get $s1) (local.get $d1))))
        (local.set $a20 (f32x4.add (local.get $a20) (f32x4.mul (local.get $s2) (local.get $d0))))
        (local.set $a21 (f32x4.add (local.get $a21) (f32x4.mul (local.get $s2) (local.get $d1))))
        (local.set $a30 (f32x4.add (local.get $a30) (f32x4.mul (local.get $s3) (local.get $d0))))
        (local.set $a31 (f32x4.add (local.get $a31) (f32x4.mul (local.get $s3) (local.get $d1))))
        (local.set $d0 (v128.load offset=32 align=4 (local.get $p)))
        (local.set $d1 (v128.load offset=48 align=4 (local.get $p)))
        (local.set $a00 (f32x4.add (local.get $a00) (f32x4.mul (local.get $s0) (local.get $d0))))
        (local.set $a01 (f32x4.add (local.get $a01) (f32x4.mul (local.get $s0) (local.get $d1))))
        (local.set $a10 (f32x4.add (local.get $a10) (f32x4.mul (local.get $s1) (local.get $d0))))
        (local.set $a11 (f32x4.add (local.get $a11) (f32x4.mul (local.get $s1) (local.get $d1))))
        (local.set $a20 (f32x4.add (local.get $a20) (f32x4.mul (local.get $s2) (local.get $d0))))
        (local.set $a21 (f32x4.add (local.get $a21) (f32x4.mul (local.get $s2) (local.get $d1))))
        (local.set $a30 (f32x4.add (local.get $a30) (f32x4.mul (local.get $s3) (local.get $d0))))
        (local.set $a31 (f32x4.add (local.get $a31) (f32x4.mul (local.get $s3) (local.get $d1))))
        (local.set $d0 (v128.load offset=64 align=4 (local.get $p)))
        (local.set $d1 (v128.load offset=80 align=4 (local.get $p)))
        (local.set $a00 (f32x4.add (local.get $a00) (f32x4.mul (local.get $s0) (local.get $d0))))
        (local.set $a01 (f32x4.add (local.get $a01) (f32x4.mul (local.get $s0) (local.get $d1))))
        (local.set $a10 (f32x4.add (local.get $a10) (f32x4.mul (local.get $s1) (local.get $d0))))
        (local.set $a11 (f32x4.add (local.get $a11) (f32x4.mul (local.get $s1) (local.get $d1))))
        (local.set $a20 (f32x4.add (local.get $a20) (f32x4.mul (local.get $s2) (local.get $d0))))
        (local.set $a21 (f32x4.add (local.get $a21) (f32x4.mul (local.get $s2) (local.get $d1))))
        (local.set $a30 (f32x4.add (local.get $a30) (f32x4.mul (local.get $s3) (local.get $d0))))
        (local.set $a31 (f32x4.add (local.get $a31) (f32x4.mul (local.get $s3) (local.get $d1))))
        (local.set $d0 (v128.load offset=96 align=4 (local.get $p)))
        (local.set $d1 (v128.load offset=112 align=4 (local.get $p)))
        (local.set $a00 (f32x4.add (local.get $a00) (f32x4.mul (local.get $s0) (local.get $d0))))
        (local.set $a01 (f32x4.add (local.get $a01) (f32x4.mul (local.get $s0) (local.get $d1))))
        (local.set $a10 (f32x4.add (local.get $a10) (f32x4.mul (local.get $s1) (local.get $d0))))
        (local.set $a11 (f32x4.add (local.get $a11) (f32x4.mul (local.get $s1) (local.get $d1))))
        (local.set $a20 (f32x4.add (local.get $a20) (f32x4.mul (local.get $s2) (local.get $d0))))
        (local.set $a21 (f32x4.add (local.get $a21) (f32x4.mul (local.get $s2) (local.get $d1))))
        (local.set $a30 (f32x4.add (local.get $a30) (f32x4.mul (local.get $s3) (local.get $d0))))
        (local.set $a31 (f32x4.add (local.get $a31) (f32x4.mul (local.get $s3) (local.get $d1))))
        (local.set $off (i32.and (i32.add (local.get $off) (i32.const 128)) (i32.const 1023)))
        (local.set $iters (i32.sub (local.get $iters) (i32.const 1)))
        (br $round)))
    (local.set $a00 (f32x4.add (local.get $a00) (local.get $a01)))
    (local.set $a00 (f32x4.add (local.get $a00) (local.get $a10)))
    (local.set $a00 (f32x4.add (local.get $a00) (local.get $a11)))
    (local.set $a00 (f32x4.add (local.get $a00) (local.get $a20)))
    (local.set $a00 (f32x4.add (local.get $a00) (local.get $a21)))
    (local.set $a00 (f32x4.add (local.get $a00) (local.get $a30)))
    (local.set $a00 (f32x4.add (local.get $a00) (local.get $a31)))
    (f32.add (f32.add (f32x4.extract_lane 0 (local.get $a00)) (f32x4.extract_lane 1 (local.get $a00)))
             (f32.add (f32x4.extract_lane 2 (local.get $a00)) (f32x4.extract_lane 3 (local.get $a00)))))
)
