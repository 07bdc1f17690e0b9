/* Optimized twins for rv32im: each #define maps a public name of tml_kernels.h to its tml_rv32im_* symbol, with
 * the same signature, buffer-size rule and tests as the reference. Included by tml_kernels.h only. */
#ifndef TINYML_TML_KERNELS_RV32IM_H
#define TINYML_TML_KERNELS_RV32IM_H

#endif
