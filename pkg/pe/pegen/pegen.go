// Package pegen writes small Windows PE files that carry a version
// resource, for tests and fixture servers. The files are well-formed enough
// for debug/pe and resource readers; they are not meant to run.
package pegen

import (
	"bytes"
	"debug/pe"
	"encoding/binary"
	"unicode/utf16"
)

// Machine types a generated file can claim.
const (
	I386  = pe.IMAGE_FILE_MACHINE_I386
	AMD64 = pe.IMAGE_FILE_MACHINE_AMD64
	ARM64 = pe.IMAGE_FILE_MACHINE_ARM64
)

const (
	fileAlign    = 0x200
	sectionAlign = 0x1000
	rsrcRVA      = 0x1000
)

func align(n, a uint32) uint32 { return (n + a - 1) &^ (a - 1) }

// Build returns a PE image for machine whose version resource says
// fileVersion and productVersion (four parts each), followed by payload in
// a data section so that files of different content and size can be made.
func Build(machine uint16, fileVersion, productVersion [4]uint16, payload []byte) []byte {
	rsrc := resourceSection(fileVersion, productVersion)
	is64 := machine != I386

	optSize := uint16(binary.Size(pe.OptionalHeader32{}))
	if is64 {
		optSize = uint16(binary.Size(pe.OptionalHeader64{}))
	}
	const nsections = 2
	headers := align(0x40+4+20+uint32(optSize)+40*nsections, fileAlign)
	rsrcRaw := align(uint32(len(rsrc)), fileAlign)
	dataRVA := rsrcRVA + align(uint32(len(rsrc)), sectionAlign)
	dataRaw := align(uint32(len(payload)), fileAlign)
	imageSize := dataRVA + align(uint32(len(payload))+1, sectionAlign)

	var b bytes.Buffer
	dos := make([]byte, 0x40)
	copy(dos, "MZ")
	binary.LittleEndian.PutUint32(dos[0x3c:], 0x40)
	b.Write(dos)
	b.WriteString("PE\x00\x00")
	chars := uint16(pe.IMAGE_FILE_EXECUTABLE_IMAGE)
	if is64 {
		chars |= pe.IMAGE_FILE_LARGE_ADDRESS_AWARE
	} else {
		chars |= pe.IMAGE_FILE_32BIT_MACHINE
	}
	binary.Write(&b, binary.LittleEndian, pe.FileHeader{
		Machine: machine, NumberOfSections: nsections,
		SizeOfOptionalHeader: optSize, Characteristics: chars,
	})
	var dirs [16]pe.DataDirectory
	dirs[pe.IMAGE_DIRECTORY_ENTRY_RESOURCE] = pe.DataDirectory{VirtualAddress: rsrcRVA, Size: uint32(len(rsrc))}
	if is64 {
		binary.Write(&b, binary.LittleEndian, pe.OptionalHeader64{
			Magic: 0x20b, ImageBase: 0x140000000, SectionAlignment: sectionAlign,
			FileAlignment: fileAlign, MajorOperatingSystemVersion: 6, MinorOperatingSystemVersion: 1,
			MajorSubsystemVersion: 6, MinorSubsystemVersion: 1, SizeOfImage: imageSize,
			SizeOfHeaders: headers, Subsystem: pe.IMAGE_SUBSYSTEM_WINDOWS_CUI,
			NumberOfRvaAndSizes: 16, DataDirectory: dirs,
		})
	} else {
		binary.Write(&b, binary.LittleEndian, pe.OptionalHeader32{
			Magic: 0x10b, ImageBase: 0x400000, SectionAlignment: sectionAlign,
			FileAlignment: fileAlign, MajorOperatingSystemVersion: 6, MinorOperatingSystemVersion: 1,
			MajorSubsystemVersion: 6, MinorSubsystemVersion: 1, SizeOfImage: imageSize,
			SizeOfHeaders: headers, Subsystem: pe.IMAGE_SUBSYSTEM_WINDOWS_CUI,
			NumberOfRvaAndSizes: 16, DataDirectory: dirs,
		})
	}
	section := func(name string, size, rva, raw, ptr, chars uint32) {
		var h pe.SectionHeader32
		copy(h.Name[:], name)
		h.VirtualSize, h.VirtualAddress, h.SizeOfRawData, h.PointerToRawData = size, rva, raw, ptr
		h.Characteristics = chars
		binary.Write(&b, binary.LittleEndian, h)
	}
	const readData = pe.IMAGE_SCN_CNT_INITIALIZED_DATA | pe.IMAGE_SCN_MEM_READ
	section(".rsrc", uint32(len(rsrc)), rsrcRVA, rsrcRaw, headers, readData)
	section(".data", uint32(len(payload)), dataRVA, dataRaw, headers+rsrcRaw, readData)
	pad(&b, headers)
	b.Write(rsrc)
	pad(&b, headers+rsrcRaw)
	b.Write(payload)
	pad(&b, headers+rsrcRaw+dataRaw)
	return b.Bytes()
}

func pad(b *bytes.Buffer, to uint32) {
	for uint32(b.Len()) < to {
		b.WriteByte(0)
	}
}

// resourceSection lays out a resource tree with one entry,
// RT_VERSION / 1 / en-US, and its VS_VERSIONINFO.
func resourceSection(fileVersion, productVersion [4]uint16) []byte {
	var b bytes.Buffer
	le := func(v any) { binary.Write(&b, binary.LittleEndian, v) }
	directory := func(id, target uint32) {
		le([3]uint32{0, 0, 0}) // characteristics, time stamp, version
		le([2]uint16{0, 1})    // no named entries, one id entry
		le([2]uint32{id, target})
	}
	const dataEntryOff = 3 * 24
	directory(16, 0x80000000|24) // RT_VERSION
	directory(1, 0x80000000|48)  // name 1
	directory(1033, dataEntryOff)
	info := versionInfo(fileVersion, productVersion)
	le([4]uint32{rsrcRVA + dataEntryOff + 16, uint32(len(info)), 0, 0})
	b.Write(info)
	return b.Bytes()
}

// versionInfo is a VS_VERSIONINFO holding only its VS_FIXEDFILEINFO.
func versionInfo(fileVersion, productVersion [4]uint16) []byte {
	var b bytes.Buffer
	le := func(v any) { binary.Write(&b, binary.LittleEndian, v) }
	key := utf16.Encode([]rune("VS_VERSION_INFO\x00"))
	le([3]uint16{0, 52, 0}) // length, filled below; value length; binary
	le(key)
	pad(&b, uint32((b.Len()+3)&^3))
	ms := func(v [4]uint16) uint32 { return uint32(v[0])<<16 | uint32(v[1]) }
	ls := func(v [4]uint16) uint32 { return uint32(v[2])<<16 | uint32(v[3]) }
	le([13]uint32{
		0xFEEF04BD, 0x00010000,
		ms(fileVersion), ls(fileVersion), ms(productVersion), ls(productVersion),
		0x3f, 0, 0x40004, 1, 0, 0, 0, // flags mask, flags, NT Windows32, app, subtype, date
	})
	out := b.Bytes()
	binary.LittleEndian.PutUint16(out, uint16(len(out)))
	return out
}
