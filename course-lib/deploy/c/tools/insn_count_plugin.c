/* insn_count_plugin.c: a QEMU TCG plugin that counts the guest instructions a firmware executes and
 * records the running count each time execution reaches one marker address (the first instruction of
 * the firmware's empty nn_op_mark(), called before every operator and after the last one). Differences
 * between consecutive marks are the instructions each operator took: exact and deterministic, unlike a
 * whole-program count (UART polling loops vary from run to run).
 *
 * QEMU counts instructions, not cycles: it does not model pipelines, wait states or caches.
 *
 * Build (host compiler; course-lib/deploy/qemu.ts does this once and caches the .so under build/):
 *   gcc -shared -fPIC -O2 -o insn_count_plugin.so insn_count_plugin.c
 * Run:
 *   qemu-system-arm ... -plugin ./insn_count_plugin.so,mark=0x1234,out=marks.txt
 * The output file has one line "total <n>" then one line per mark: the count of instructions executed
 * before the marker instruction itself.
 *
 * Debian's QEMU exports the plugin API (nm -D $(which qemu-system-arm) | grep qemu_plugin_) but ships no
 * qemu-plugin.h, so the few declarations used here are written out below from QEMU's documented v1 API
 * (QEMU 4.2 to 8.x; QEMU 7.2 accepts plugins whose qemu_plugin_version is 1). They must match QEMU's
 * ABI exactly: the enum values and callback signatures are QEMU's, not choices.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the part of QEMU's plugin API (include/qemu/qemu-plugin.h, API version 1) this plugin uses ---- */
#define QEMU_PLUGIN_EXPORT __attribute__((visibility("default")))

typedef uint64_t qemu_plugin_id_t;

typedef struct {
  const char* target_name;
  struct {
    int min;
    int cur;
  } version;
  bool system_emulation;
  union {
    struct {
      int smp_vcpus;
      int max_vcpus;
    } system;
  };
} qemu_info_t;

struct qemu_plugin_tb;
struct qemu_plugin_insn;

enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };

typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void* userdata);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void* userdata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb* tb);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb* tb);
struct qemu_plugin_insn* qemu_plugin_tb_get_insn(const struct qemu_plugin_tb* tb, size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn* insn);
void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn* insn, enum qemu_plugin_op op, void* ptr,
                                                uint64_t imm);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn* insn, qemu_plugin_vcpu_udata_cb_t cb,
                                            enum qemu_plugin_cb_flags flags, void* userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void* userdata);
void qemu_plugin_outs(const char* string);

QEMU_PLUGIN_EXPORT int qemu_plugin_version = 1;
/* ---- end of the API declarations ---- */

/* One vCPU (the Cortex-M machines have one), so plain globals. Whether the count at a mark includes the
 * marker instruction itself depends on the order QEMU emits the two callbacks; either way it is the
 * same at every mark, so differences between marks are exact. */
static uint64_t executed;
static uint64_t mark_address;
static uint64_t* marks;
static size_t n_marks, marks_capacity;
static char* out_path;
static bool out_of_memory;

static void on_mark(unsigned int vcpu_index, void* userdata) {
  (void)vcpu_index;
  (void)userdata;
  if (n_marks == marks_capacity) {
    size_t capacity = marks_capacity ? 2 * marks_capacity : 1024;
    uint64_t* grown = realloc(marks, capacity * sizeof *marks);
    if (!grown) {
      out_of_memory = true;
      return;
    }
    marks = grown;
    marks_capacity = capacity;
  }
  marks[n_marks++] = executed;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb* tb) {
  (void)id;
  size_t n = qemu_plugin_tb_n_insns(tb);
  for (size_t i = 0; i < n; i++) {
    struct qemu_plugin_insn* insn = qemu_plugin_tb_get_insn(tb, i);
    qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &executed, 1);
    if (qemu_plugin_insn_vaddr(insn) == mark_address) {
      qemu_plugin_register_vcpu_insn_exec_cb(insn, on_mark, QEMU_PLUGIN_CB_NO_REGS, NULL);
    }
  }
}

static void on_qemu_exit(qemu_plugin_id_t id, void* userdata) {
  (void)id;
  (void)userdata;
  FILE* out = fopen(out_path, "w");
  if (!out) {
    qemu_plugin_outs("insn_count_plugin: cannot open the output file\n");
    return;
  }
  fprintf(out, "total %" PRIu64 "\n", executed);
  if (out_of_memory) fprintf(out, "error out of memory after %zu marks\n", n_marks);
  for (size_t i = 0; i < n_marks; i++) fprintf(out, "%" PRIu64 "\n", marks[i]);
  fclose(out);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t* info, int argc, char** argv) {
  (void)info;
  bool have_mark = false;
  for (int i = 0; i < argc; i++) {
    if (strncmp(argv[i], "mark=", 5) == 0) {
      char* end;
      mark_address = strtoull(argv[i] + 5, &end, 0) & ~(uint64_t)1; /* a Thumb symbol's bit 0 is not the address */
      have_mark = *end == '\0' && end != argv[i] + 5;
    } else if (strncmp(argv[i], "out=", 4) == 0) {
      out_path = strdup(argv[i] + 4);
    } else {
      fprintf(stderr, "insn_count_plugin: unknown argument %s (expected mark=<address> and out=<file>)\n", argv[i]);
      return -1;
    }
  }
  if (!have_mark || !out_path || !*out_path) {
    fprintf(stderr, "insn_count_plugin: needs mark=<address of nn_op_mark> and out=<file>\n");
    return -1;
  }
  qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
  qemu_plugin_register_atexit_cb(id, on_qemu_exit, NULL);
  return 0;
}
