/*
 * The benchmark harness. Reads N inputs of TML_MODEL_INPUT_BYTES from the host file `input.bin` (semihosting),
 * initialises the model once in a static arena of TML_MODEL_ARENA_SIZE bytes, runs tml_model_run on each input
 * with the instruction counter read around the call, appends the raw output bytes to the host file `output.bin`,
 * and prints one JSON line per inference and a final summary line:
 *
 *   {"i":0,"instructions":7701234}
 *   {"done":true,"inferences":N,"init_instructions":..,"peak_stack_bytes":..,"stack_bytes":..,"counter":"..","counter_step":40}
 *
 * Exit status (semihosting): 0 success, 2 host file I/O failed, 3 CPU fault, 4 tml_model_init failed,
 * 5 tml_model_run failed.
 */
#include <stddef.h>
#include <stdint.h>

#include "board.h"
#include "model.h"
#include "semihost.h"
#include "stack_paint.h"

#ifndef TML_MODEL_ARENA_ALIGNMENT
#define TML_MODEL_ARENA_ALIGNMENT 16
#endif

static uint8_t arena[TML_MODEL_ARENA_SIZE] __attribute__((aligned(TML_MODEL_ARENA_ALIGNMENT)));
static uint8_t input[TML_MODEL_INPUT_BYTES] __attribute__((aligned(16)));
static uint8_t output[TML_MODEL_OUTPUT_BYTES] __attribute__((aligned(16)));

/* A small line builder: no printf, so nothing of stdio is linked into the image being measured. */
typedef struct {
  char text[224];
  size_t len;
} line_t;

static void put_str(line_t *l, const char *s) {
  while (*s && l->len + 2 < sizeof l->text) l->text[l->len++] = *s++;
}

static void put_u64(line_t *l, uint64_t v) {
  char digits[21];
  int n = 0;
  do {
    digits[n++] = (char)('0' + (int)(v % 10u));
    v /= 10u;
  } while (v);
  while (n && l->len + 2 < sizeof l->text) l->text[l->len++] = digits[--n];
}

static void put_i32(line_t *l, int32_t v) {
  if (v < 0) {
    put_str(l, "-");
    put_u64(l, (uint64_t)(-(int64_t)v));
  } else {
    put_u64(l, (uint64_t)v);
  }
}

static void emit(line_t *l) {
  l->text[l->len++] = '\n';
  l->text[l->len] = 0;
  sh_puts(l->text);
  l->len = 0;
}

static void fail(const char *what, int32_t code, int status) {
  line_t l = {.len = 0};
  put_str(&l, "{\"error\":\"");
  put_str(&l, what);
  put_str(&l, "\",\"code\":");
  put_i32(&l, code);
  put_str(&l, "}");
  emit(&l);
  sh_exit(status);
}

/* The counter's own cost, taken as the smallest of a few empty measurements and subtracted from each one. */
static uint64_t counter_overhead(void) {
  uint64_t best = UINT64_MAX;
  for (int k = 0; k < 8; k++) {
    board_count_t t0, t1;
    board_read(&t0);
    board_read(&t1);
    uint64_t n = board_elapsed(&t0, &t1);
    if (n < best) best = n;
  }
  return best;
}

static uint64_t minus_overhead(uint64_t n, uint64_t overhead) {
  return n > overhead ? n - overhead : 0;
}

int main(void) {
  board_init();
  line_t l = {.len = 0};

  int in = sh_open("input.bin", SH_MODE_RB);
  if (in < 0) fail("cannot open input.bin", in, 2);
  long length = sh_flen(in);
  if (length < 0 || length % (long)TML_MODEL_INPUT_BYTES != 0) fail("input.bin length", (int32_t)length, 2);
  int out = sh_open("output.bin", SH_MODE_WB);
  if (out < 0) fail("cannot open output.bin", out, 2);
  uint32_t count = (uint32_t)(length / (long)TML_MODEL_INPUT_BYTES);

  uint64_t overhead = counter_overhead();
  board_count_t start, end;
  board_read(&start);
  int rc = tml_model_init(arena, sizeof arena);
  board_read(&end);
  uint64_t init_instructions = minus_overhead(board_elapsed(&start, &end), overhead);
  if (rc != 0) fail("tml_model_init", rc, 4);

  for (uint32_t i = 0; i < count; i++) {
    if (sh_read(in, input, sizeof input) != 0) fail("read input.bin", (int32_t)i, 2);
    board_read(&start);
    rc = tml_model_run(input, output);
    board_read(&end);
    if (rc != 0) fail("tml_model_run", rc, 5);
    if (sh_write(out, output, sizeof output) != 0) fail("write output.bin", (int32_t)i, 2);
    put_str(&l, "{\"i\":");
    put_u64(&l, i);
    put_str(&l, ",\"instructions\":");
    put_u64(&l, minus_overhead(board_elapsed(&start, &end), overhead));
    put_str(&l, "}");
    emit(&l);
  }
  sh_close(in);
  sh_close(out);

  put_str(&l, "{\"done\":true,\"inferences\":");
  put_u64(&l, count);
  put_str(&l, ",\"init_instructions\":");
  put_u64(&l, init_instructions);
  put_str(&l, ",\"peak_stack_bytes\":");
  put_u64(&l, stack_peak_bytes());
  put_str(&l, ",\"stack_bytes\":");
  put_u64(&l, stack_size_bytes());
  put_str(&l, ",\"arena_bytes\":");
  put_u64(&l, sizeof arena);
  put_str(&l, ",\"counter\":\"");
  put_str(&l, board_counter);
  put_str(&l, "\",\"counter_step\":");
  put_u64(&l, board_counter_step);
  put_str(&l, "}");
  emit(&l);
  sh_exit(0);
}

/* Called by the boards' fault handlers. */
void harness_fault(uint32_t where) {
  fail("cpu fault", (int32_t)where, 3);
}
