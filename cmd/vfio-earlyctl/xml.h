/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

/*
 * libxml2, opened when a command first needs it (import, libvirt-xml --update): every other
 * command starts without mapping it and what it brings along (ICU, libstdc++), about 6 ms of
 * start-up. The functions are called through sym_<name>, as systemd does for the libraries it
 * opens on demand. vfe_xml_open() is 0, or -ELIBACC once it has said why.
 */
int vfe_xml_open(void);

#define VFE_XML_FUNCS(X)             \
	X(xmlAddChild)               \
	X(xmlCheckVersion)           \
	X(xmlDocCopyNode)            \
	X(xmlDocDumpFormatMemoryEnc) \
	X(xmlDocGetRootElement)      \
	X(xmlFirstElementChild)      \
	X(xmlFree)                   \
	X(xmlFreeDoc)                \
	X(xmlFreeNode)               \
	X(xmlGetProp)                \
	X(xmlNewChild)               \
	X(xmlNewDocNode)             \
	X(xmlNodeGetContent)         \
	X(xmlReadFile)               \
	X(xmlReadMemory)             \
	X(xmlReplaceNode)            \
	X(xmlSetProp)                \
	X(xmlUnlinkNode)             \
	X(xmlXPathEvalExpression)    \
	X(xmlXPathFreeContext)       \
	X(xmlXPathFreeObject)        \
	X(xmlXPathNewContext)

#define VFE_XML_DECLARE(f) extern typeof(f) *sym_##f;
VFE_XML_FUNCS(VFE_XML_DECLARE)
#undef VFE_XML_DECLARE

/* libxml2's xmlFree is a variable holding the function: sym_xmlFree points to it */
static inline void vfe_xml_free(void *p)
{
	(*sym_xmlFree)(p);
}
