package web

import (
	"mime"
	"strings"

	"golang.org/x/net/html"
)

// Element is an HTML element as the basic parser of the PowerShell web
// cmdlets gives it: its outerHTML, its tagName and one property per
// attribute, named as in the document.
type Element map[string]string

// parseHTML finds the links, images and input fields of a document. It
// works on tokens, not a tree, so a broken page yields what it can.
func parseHTML(doc string) (links, images, inputs []Element) {
	z := html.NewTokenizer(strings.NewReader(doc))
	var link Element
	var outer strings.Builder
	closeLink := func() {
		if link != nil {
			link["outerHTML"] = outer.String()
			links = append(links, link)
			link = nil
		}
	}
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			closeLink()
			return links, images, inputs
		}
		raw := string(z.Raw())
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			tag := string(name)
			switch tag {
			case "a":
				closeLink() // an <a> cannot hold another; the old one ends here
				link = element(z, "A", hasAttr)
				outer.Reset()
				outer.WriteString(raw)
				if tt == html.SelfClosingTagToken {
					closeLink()
				}
				continue
			case "img":
				e := element(z, "IMG", hasAttr)
				e["outerHTML"] = raw
				images = append(images, e)
			case "input":
				e := element(z, "INPUT", hasAttr)
				e["outerHTML"] = raw
				inputs = append(inputs, e)
			}
			if link != nil {
				outer.WriteString(raw)
			}
		case html.EndTagToken:
			if link == nil {
				continue
			}
			outer.WriteString(raw)
			if name, _ := z.TagName(); string(name) == "a" {
				closeLink()
			}
		default:
			if link != nil {
				outer.WriteString(raw)
			}
		}
	}
}

// element reads the attributes of the current tag.
func element(z *html.Tokenizer, tagName string, hasAttr bool) Element {
	e := Element{"tagName": tagName}
	for hasAttr {
		var key, val []byte
		key, val, hasAttr = z.TagAttr()
		if _, seen := e[string(key)]; !seen { // the first of repeated attributes wins, as in browsers
			e[string(key)] = string(val)
		}
	}
	return e
}

// metaCharset finds the charset an HTML document declares in its first
// kilobyte, by <meta charset> or <meta http-equiv="Content-Type">.
func metaCharset(head []byte) string {
	if len(head) > 1024 {
		head = head[:1024]
	}
	z := html.NewTokenizer(strings.NewReader(string(head)))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return ""
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		name, hasAttr := z.TagName()
		if string(name) != "meta" {
			continue
		}
		e := element(z, "META", hasAttr)
		if cs := e["charset"]; cs != "" {
			return strings.TrimSpace(cs)
		}
		if strings.EqualFold(e["http-equiv"], "content-type") {
			if _, params, err := mime.ParseMediaType(e["content"]); err == nil && params["charset"] != "" {
				return params["charset"]
			}
		}
	}
}
