/* Optimized twins for armv7em: each #define maps a public name of tml_kernels.h to its tml_armv7em_* symbol, with
 * the same signature, buffer-size rule and tests as the reference. Included by tml_kernels.h only. */
#ifndef TINYML_TML_KERNELS_ARMV7EM_H
#define TINYML_TML_KERNELS_ARMV7EM_H

#endif
