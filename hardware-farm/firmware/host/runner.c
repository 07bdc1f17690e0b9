/*
 * The model built for the host (the machine running the bench), with the reference kernels: the same inputs give
 * the output bytes the firmware must reproduce on every board.
 *
 *   host_runner INPUT.bin OUTPUT.bin
 */
#include <stdint.h>
#include <stdio.h>

#include "model.h"

#ifndef TML_MODEL_ARENA_ALIGNMENT
#define TML_MODEL_ARENA_ALIGNMENT 16
#endif

static uint8_t arena[TML_MODEL_ARENA_SIZE] __attribute__((aligned(TML_MODEL_ARENA_ALIGNMENT)));
static uint8_t input[TML_MODEL_INPUT_BYTES] __attribute__((aligned(16)));
static uint8_t output[TML_MODEL_OUTPUT_BYTES] __attribute__((aligned(16)));

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s INPUT.bin OUTPUT.bin\n", argv[0]);
    return 2;
  }
  FILE *in = fopen(argv[1], "rb");
  FILE *out = fopen(argv[2], "wb");
  if (!in || !out) {
    perror("host_runner");
    return 2;
  }
  int rc = tml_model_init(arena, sizeof arena);
  if (rc != 0) {
    fprintf(stderr, "tml_model_init failed: %d\n", rc);
    return 4;
  }
  unsigned long count = 0;
  while (fread(input, 1, sizeof input, in) == sizeof input) {
    rc = tml_model_run(input, output);
    if (rc != 0) {
      fprintf(stderr, "tml_model_run failed on input %lu: %d\n", count, rc);
      return 5;
    }
    if (fwrite(output, 1, sizeof output, out) != sizeof output) return 2;
    count++;
  }
  fclose(in);
  return fclose(out) == 0 ? 0 : 2;
}
