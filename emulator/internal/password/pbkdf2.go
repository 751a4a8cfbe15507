package password

import (
	"context"
	"crypto/hmac"
	"crypto/subtle"
	"encoding/binary"
	"hash"
)

// pollEvery is how many PBKDF2 iterations or phpass rounds run between two
// looks at the request's context.
const pollEvery = 1024

// pbkdf2Key is PBKDF2 (RFC 8018, section 5.2) with HMAC over newHash, like
// crypto/pbkdf2.Key, but it stops with ctx's error when ctx ends.
func pbkdf2Key(ctx context.Context, newHash func() hash.Hash, password string, salt []byte, iter, keyLen int) ([]byte, error) {
	prf := hmac.New(newHash, []byte(password))
	hLen := prf.Size()
	blocks := (keyLen + hLen - 1) / hLen
	out := make([]byte, 0, blocks*hLen)
	u := make([]byte, 0, hLen)
	t := make([]byte, hLen)
	var index [4]byte
	for block := 1; block <= blocks; block++ {
		prf.Reset()
		prf.Write(salt)
		binary.BigEndian.PutUint32(index[:], uint32(block))
		prf.Write(index[:])
		u = prf.Sum(u[:0])
		copy(t, u)
		for i := 1; i < iter; i++ {
			if i%pollEvery == 0 {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
			}
			prf.Reset()
			prf.Write(u)
			u = prf.Sum(u[:0])
			subtle.XORBytes(t, t, u)
		}
		out = append(out, t...)
	}
	return out[:keyLen], nil
}

// pbkdf2Blocks is the number of HMAC output blocks of keyLen bytes.
func pbkdf2Blocks(keyLen, hLen int) int64 {
	return int64((keyLen + hLen - 1) / hLen)
}
