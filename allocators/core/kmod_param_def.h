/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kmod/pbk_params.def, expanded with the includer's PBK_NUM/LIST/WORDS/DMA/NAMES macros:
 * no include guard, one include per expansion. The path is relative to this header, so it
 * holds wherever the including source is compiled from (kmod/ builds from symlinks).
 */
#include "../../kmod/pbk_params.def"
