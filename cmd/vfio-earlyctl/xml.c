// SPDX-License-Identifier: GPL-2.0-or-later
/* libxml2 on demand: see xml.h. */
#include "xml.h"

#include <dlfcn.h>
#include <errno.h>

#include "../../lib/boot/log.h"

#define VFE_XML_DEFINE(f) typeof(f) *sym_##f;
VFE_XML_FUNCS(VFE_XML_DEFINE)
#undef VFE_XML_DEFINE

int vfe_xml_open(void)
{
	static int done; /* 1: open, -1: failed */
	void *h;

	if (done)
		return done > 0 ? 0 : -ELIBACC;
	done = -1;
	h = dlopen("libxml2.so.2", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		ERR("cannot load libxml2, which reads libvirt's XML: %s", dlerror());
		return -ELIBACC;
	}
#define VFE_XML_LOOKUP(f)                                    \
	sym_##f = (typeof(f) *)dlsym(h, #f);                 \
	if (!sym_##f) {                                      \
		ERR("libxml2 has no %s: %s", #f, dlerror()); \
		dlclose(h);                                  \
		return -ELIBACC;                             \
	}
	VFE_XML_FUNCS(VFE_XML_LOOKUP)
#undef VFE_XML_LOOKUP
	sym_xmlCheckVersion(LIBXML_VERSION);
	done = 1;
	return 0;
}
