//! An animated GIF encoder for the topology's recordings (slides and chat take GIFs
//! everywhere): GIF89a with one global palette, LZW-compressed frames and the
//! Netscape loop extension. The palette is fixed, a 6x6x6 colour cube and 40 greys,
//! so every frame maps through one lookup table and no frame needs its own palette.
//! Pure: no Bevy, tested by decoding what it writes.

/// One frame: `width * height` RGBA pixels, row by row.
pub struct Frame<'a> {
    pub rgba: &'a [u8],
}

/// The palette: the 216 colours of a 6-level cube, then 40 greys between its levels
/// (the app's dark backgrounds and dim text are greys).
fn palette() -> Vec<[u8; 3]> {
    let mut colours = Vec::with_capacity(256);
    for r in 0..6u8 {
        for g in 0..6u8 {
            for b in 0..6u8 {
                colours.push([r * 51, g * 51, b * 51]);
            }
        }
    }
    for k in 0..40u32 {
        let v = ((k + 1) * 255 / 41) as u8;
        colours.push([v, v, v]);
    }
    colours
}

/// Palette index of every colour at 5 bits a channel (32 768 entries).
fn lookup(palette: &[[u8; 3]]) -> Vec<u8> {
    let mut table = vec![0u8; 1 << 15];
    for (key, slot) in table.iter_mut().enumerate() {
        // The middle of the 8 values a 5-bit key stands for.
        let c = [((key >> 10) & 31) as i32 * 8 + 4, ((key >> 5) & 31) as i32 * 8 + 4, (key & 31) as i32 * 8 + 4];
        let distance = |p: &[u8; 3]| (0..3).map(|i| (c[i] - p[i] as i32).pow(2)).sum::<i32>();
        *slot = (0..palette.len()).min_by_key(|&i| distance(&palette[i])).unwrap_or(0) as u8;
    }
    table
}

/// The GIF file of `frames` (each `width` x `height`), shown `delay_cs` hundredths of a
/// second each, looping forever.
pub fn encode(width: u16, height: u16, frames: &[Frame], delay_cs: u16) -> Vec<u8> {
    let palette = palette();
    let table = lookup(&palette);
    let mut out = Vec::new();
    out.extend_from_slice(b"GIF89a");
    out.extend_from_slice(&width.to_le_bytes());
    out.extend_from_slice(&height.to_le_bytes());
    // A global table of 256 colours (2^(7+1)), 8 bits a primary.
    out.extend_from_slice(&[0xF7, 0, 0]);
    for c in &palette {
        out.extend_from_slice(c);
    }
    // Loop forever (the Netscape 2.0 application extension).
    out.extend_from_slice(&[0x21, 0xFF, 0x0B]);
    out.extend_from_slice(b"NETSCAPE2.0");
    out.extend_from_slice(&[0x03, 0x01, 0x00, 0x00, 0x00]);
    let pixels = width as usize * height as usize;
    let mut indices = Vec::with_capacity(pixels);
    for frame in frames {
        indices.clear();
        indices.extend(frame.rgba.chunks_exact(4).take(pixels).map(|p| {
            // The cube's own colours exactly; others through the table.
            if p[..3].iter().all(|&c| c % 51 == 0) {
                return (p[0] / 51) * 36 + (p[1] / 51) * 6 + p[2] / 51;
            }
            let key = ((p[0] as usize >> 3) << 10) | ((p[1] as usize >> 3) << 5) | (p[2] as usize >> 3);
            table[key]
        }));
        indices.resize(pixels, 0);
        // Graphic control: the delay; no transparency.
        out.extend_from_slice(&[0x21, 0xF9, 0x04, 0x00]);
        out.extend_from_slice(&delay_cs.to_le_bytes());
        out.extend_from_slice(&[0x00, 0x00]);
        // The image: the whole screen, no local table.
        out.push(0x2C);
        out.extend_from_slice(&[0, 0, 0, 0]);
        out.extend_from_slice(&width.to_le_bytes());
        out.extend_from_slice(&height.to_le_bytes());
        out.push(0x00);
        out.push(8); // the LZW minimum code size for 8-bit indices
        let data = lzw(&indices);
        for block in data.chunks(255) {
            out.push(block.len() as u8);
            out.extend_from_slice(block);
        }
        out.push(0x00);
    }
    out.push(0x3B);
    out
}

const CLEAR: u16 = 256;
const END: u16 = 257;
/// The largest code GIF allows (12 bits); the table starts over when it is full.
const MAX_CODES: u16 = 4096;

/// GIF's variable-width LZW of 8-bit indices, codes packed least significant bit first.
fn lzw(indices: &[u8]) -> Vec<u8> {
    let mut bits = BitWriter::default();
    // next[code * 256 + byte]: the code of that string followed by that byte (0 = none).
    let mut next = vec![0u16; MAX_CODES as usize * 256];
    let mut free = END + 1;
    let mut width = 9u32;
    bits.put(CLEAR, width);
    let mut iter = indices.iter();
    let Some(&first) = iter.next() else {
        bits.put(END, width);
        return bits.finish();
    };
    let mut prefix = first as u16;
    for &byte in iter {
        let slot = prefix as usize * 256 + byte as usize;
        if next[slot] != 0 {
            prefix = next[slot];
            continue;
        }
        bits.put(prefix, width);
        if free < MAX_CODES {
            next[slot] = free;
            // The decoder widens its codes one code later than this table fills.
            if free == (1 << width) && width < 12 {
                width += 1;
            }
            free += 1;
        } else {
            bits.put(CLEAR, width);
            next.fill(0);
            free = END + 1;
            width = 9;
        }
        prefix = byte as u16;
    }
    bits.put(prefix, width);
    bits.put(END, width);
    bits.finish()
}

#[derive(Default)]
struct BitWriter {
    bytes: Vec<u8>,
    acc: u32,
    count: u32,
}

impl BitWriter {
    fn put(&mut self, code: u16, width: u32) {
        self.acc |= (code as u32) << self.count;
        self.count += width;
        while self.count >= 8 {
            self.bytes.push(self.acc as u8);
            self.acc >>= 8;
            self.count -= 8;
        }
    }

    fn finish(mut self) -> Vec<u8> {
        if self.count > 0 {
            self.bytes.push(self.acc as u8);
        }
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A GIF decoder for the tests: the frames' palette indices, as any viewer reads them.
    fn decode(gif: &[u8]) -> (u16, u16, Vec<Vec<u8>>, Vec<[u8; 3]>) {
        assert_eq!(&gif[..6], b"GIF89a");
        let (w, h) = (u16::from_le_bytes([gif[6], gif[7]]), u16::from_le_bytes([gif[8], gif[9]]));
        assert_eq!(gif[10], 0xF7);
        let palette: Vec<[u8; 3]> = gif[13..13 + 768].chunks(3).map(|c| [c[0], c[1], c[2]]).collect();
        let mut at = 13 + 768;
        let mut frames = Vec::new();
        loop {
            match gif[at] {
                0x3B => break,
                0x21 => {
                    at += 2;
                    while gif[at] != 0 {
                        at += gif[at] as usize + 1;
                    }
                    at += 1;
                }
                0x2C => {
                    at += 10;
                    assert_eq!(gif[at], 8);
                    at += 1;
                    let mut data = Vec::new();
                    while gif[at] != 0 {
                        data.extend_from_slice(&gif[at + 1..at + 1 + gif[at] as usize]);
                        at += gif[at] as usize + 1;
                    }
                    at += 1;
                    frames.push(unlzw(&data));
                }
                other => panic!("unexpected block {other:#x} at {at}"),
            }
        }
        (w, h, frames, palette)
    }

    fn unlzw(data: &[u8]) -> Vec<u8> {
        let (mut acc, mut count, mut pos) = (0u32, 0u32, 0usize);
        let mut width = 9u32;
        let mut table: Vec<Vec<u8>> = Vec::new();
        let reset = |table: &mut Vec<Vec<u8>>| {
            *table = (0..=255u8).map(|b| vec![b]).collect();
            table.push(Vec::new());
            table.push(Vec::new());
        };
        reset(&mut table);
        let mut out = Vec::new();
        let mut previous: Option<Vec<u8>> = None;
        loop {
            while count < width {
                acc |= (data[pos] as u32) << count;
                pos += 1;
                count += 8;
            }
            let code = (acc & ((1 << width) - 1)) as usize;
            acc >>= width;
            count -= width;
            if code == 256 {
                reset(&mut table);
                width = 9;
                previous = None;
                continue;
            }
            if code == 257 {
                return out;
            }
            let entry = match (code < table.len(), &previous) {
                (true, _) => table[code].clone(),
                (false, Some(p)) => {
                    let mut e = p.clone();
                    e.push(p[0]);
                    e
                }
                (false, None) => panic!("code {code} before any string"),
            };
            out.extend_from_slice(&entry);
            if let Some(p) = previous
                && table.len() < 4096
            {
                let mut e = p;
                e.push(entry[0]);
                table.push(e);
            }
            if table.len() == (1 << width) && width < 12 {
                width += 1;
            }
            previous = Some(entry);
        }
    }

    fn rgba(colours: &[[u8; 3]]) -> Vec<u8> {
        colours.iter().flat_map(|c| [c[0], c[1], c[2], 255]).collect()
    }

    #[test]
    fn frames_decode_to_their_nearest_palette_colours() {
        // Colours of the palette come back exactly; the app's background to a grey near it.
        let (w, h) = (7u16, 3u16);
        let pixels: Vec<[u8; 3]> = (0..21).map(|i| [(i * 51 % 306) as u8, 0, 255]).collect();
        let mut second = pixels.clone();
        second[0] = [20, 23, 28];
        let (a, b) = (rgba(&pixels), rgba(&second));
        let gif = encode(w, h, &[Frame { rgba: &a }, Frame { rgba: &b }], 10);
        let (dw, dh, frames, palette) = decode(&gif);
        assert_eq!((dw, dh, frames.len()), (7, 3, 2));
        let first: Vec<[u8; 3]> = frames[0].iter().map(|&i| palette[i as usize]).collect();
        let expected: Vec<[u8; 3]> = pixels.iter().map(|p| [p[0], 0, 255]).collect();
        assert_eq!(first, expected);
        let background = palette[frames[1][0] as usize];
        assert!(background.iter().zip([20u8, 23, 28]).all(|(a, b)| a.abs_diff(b) <= 8), "{background:?}");
    }

    #[test]
    fn a_long_varied_frame_survives_the_code_table_filling_and_starting_over() {
        // 200x150 pixels of a pattern that fills the 4096 codes several times.
        let (w, h) = (200u16, 150u16);
        let mut state = 12345u32;
        let pixels: Vec<[u8; 3]> = (0..w as usize * h as usize)
            .map(|i| {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
                let k = if i % 7 < 3 { (state >> 16) % 216 } else { (i as u32 / 50) % 216 };
                [(k / 36 * 51) as u8, (k / 6 % 6 * 51) as u8, (k % 6 * 51) as u8]
            })
            .collect();
        let data = rgba(&pixels);
        let gif = encode(w, h, &[Frame { rgba: &data }], 5);
        if let Some(dir) = std::env::var_os("FAASLAB_GIF_DUMP") {
            std::fs::write(std::path::Path::new(&dir).join("test.gif"), &gif).unwrap();
            std::fs::write(std::path::Path::new(&dir).join("test.rgb"), pixels.concat()).unwrap();
        }
        let (_, _, frames, palette) = decode(&gif);
        let back: Vec<[u8; 3]> = frames[0].iter().map(|&i| palette[i as usize]).collect();
        assert_eq!(back, pixels);
    }
}
