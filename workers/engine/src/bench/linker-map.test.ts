import { describe, expect, it } from "vitest";
import { codeSizeFromMap } from "./linker-map.js";

/** Excerpt in the layout GNU ld writes (discarded sections first, then the memory map; long names wrap). */
const MAP = `Archive member included to satisfy reference by file (symbol)

Discarded input sections

 .text.tml_ref_depthwise_conv2d_s8_get_buffer_size
                0x00000000       0x40 model/libtinyml_model.a(tml_depthwise_conv2d_s8.c.obj)

Linker script and memory map

 .text          0x00000000        0x0 model/libtinyml_model.a(model.c.obj)
 .text.boot     0x00000040       0x68 CMakeFiles/fw.dir/boards/cortex-m/startup.c.obj
 .text.tml_model_run
                0x00000200      0x1a4 model/libtinyml_model.a(model.c.obj)
 .text.tml_model_init
                0x000003a4       0x30 model/libtinyml_model.a(model.c.obj)
 .text.tml_armv7em_conv2d_s8
                0x000003d4      0x6f0 model/libtinyml_model.a(tml_conv2d_s8.c.obj)
 .text.memcpy   0x00000ac4       0x84 /usr/lib/arm-none-eabi/newlib/libc.a(libc_a-memcpy.o)
 .rodata.conv_weights
                0x00001000     0x5000 model/libtinyml_model.a(model.c.obj)
 .text.tml_ref_softmax_s8
                0x00000b48       0xe0 model/libtinyml_model.a(tml_softmax_s8.c.obj)
`;

describe("codeSizeFromMap", () => {
  it("counts the kept .text of model.c and the kernels; not weights, harness, libc or discarded sections", () => {
    const size = codeSizeFromMap(MAP);
    expect(size.modelBytes).toBe(0x1a4 + 0x30);
    expect(size.kernelBytes).toBe(0x6f0 + 0xe0);
    expect(size.objects).toEqual({ "model.c.obj": 0x1d4, "tml_conv2d_s8.c.obj": 0x6f0, "tml_softmax_s8.c.obj": 0xe0 });
  });
});
