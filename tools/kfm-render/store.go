package main

// The render cache entry of a successful build, written by the worker that produced it, so that the caller does not
// encode and write ~10 MB of entries on a cold run of the medium bench repo (issue 20). The layout is the caller's
// (src/render/cache.ts encodeEntry), byte for byte:
//
//	<head>"bytes":<sealed length>[,"documents":<json length>]}\n  then  nonce(12) | tag(16) | AES-256-GCM ciphertext of
//	<bound><json length or null>]\n<yaml><json>
//
// The caller sends the JSON text of both headers up to those numbers, the per-user key, the cache folder it checked
// (real path under the allowed roots) and that folder's identity (device:inode): the entry is a temp file beside its
// name, renamed into place, and the folder must still be that folder before the temp file is created and before the
// rename (util/atomic-write.ts FolderWriter, the same checks). Nothing here prints the key.

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

type store struct {
	Dir   string `json:"dir"`
	Ident string `json:"ident"`
	Name  string `json:"name"`
	Head  string `json:"head"`
	Bound string `json:"bound"`
	Key   []byte `json:"key"`
}

const sealOverhead = 28

func folderIdentity(dir string) (string, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return "", fmt.Errorf("refusing to write under %s: the folder is gone", dir)
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	if !info.IsDir() || !ok {
		return "", fmt.Errorf("refusing to write under %s: no longer a folder", dir)
	}
	return fmt.Sprintf("%d:%d", st.Dev, st.Ino), nil
}

func recheck(s *store) error {
	now, err := folderIdentity(s.Dir)
	if err != nil {
		return err
	}
	if now != s.Ident {
		return fmt.Errorf("refusing to write under %s: the folder was replaced since it was checked", s.Dir)
	}
	return nil
}

// sealedEntry lays out the entry exactly as encodeEntry does.
func sealedEntry(s *store, yml, docs []byte) ([]byte, error) {
	if len(s.Key) < 32 {
		return nil, errors.New("no render cache key")
	}
	block, err := aes.NewCipher(s.Key[:32])
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	docCount := "null"
	head := s.Head
	if len(docs) > 0 {
		docCount = strconv.Itoa(len(docs))
	}
	bound := s.Bound + docCount + "]\n"
	plain := make([]byte, 0, len(bound)+len(yml)+len(docs))
	plain = append(append(append(plain, bound...), yml...), docs...)
	head += `"bytes":` + strconv.Itoa(sealOverhead+len(plain))
	if len(docs) > 0 {
		head += `,"documents":` + docCount
	}
	head += "}\n"
	nonce := make([]byte, 12)
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	// head | nonce | room for the tag, then Seal appends the ciphertext and the tag; the tag moves into its room.
	out := make([]byte, len(head)+sealOverhead, len(head)+sealOverhead+len(plain)+gcm.Overhead())
	copy(out, head)
	copy(out[len(head):], nonce)
	out = gcm.Seal(out, nonce, plain, nil)
	tagAt := len(out) - gcm.Overhead()
	copy(out[len(head)+len(nonce):len(head)+sealOverhead], out[tagAt:])
	return out[:tagAt], nil
}

func writeEntry(s *store, yml, docs []byte) error {
	if s.Name == "" || strings.ContainsAny(s.Name, "/\\\x00") || s.Name == "." || s.Name == ".." {
		return fmt.Errorf("refusing to write entry %q: not a file name", s.Name)
	}
	entry, err := sealedEntry(s, yml, docs)
	if err != nil {
		return err
	}
	if err := recheck(s); err != nil {
		return err
	}
	random := make([]byte, 6)
	if _, err := rand.Read(random); err != nil {
		return err
	}
	target := filepath.Join(s.Dir, s.Name)
	temp := fmt.Sprintf("%s.%d.%s.tmp", target, os.Getpid(), hex.EncodeToString(random))
	f, err := os.OpenFile(temp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	if err != nil {
		return err
	}
	_, werr := f.Write(entry)
	cerr := f.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = recheck(s) // the folder may have been swapped while the temp file was written
	}
	if werr == nil {
		werr = os.Rename(temp, target)
	}
	if werr != nil {
		_ = os.Remove(temp)
	}
	return werr
}
