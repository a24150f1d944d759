/*
 * gen_images.c - writes a logdir of images (and optionally one huge audio
 * clip) for the blob index benchmark and the hostile-blob tests.
 *
 *   gen_images OUT [--runs R] [--images N] [--bytes B] [--no-images]
 *                  [--audio-mb M] [--seed S]
 *
 * R runs (run_0 ...), each one event file holding a file_version event,
 * then per step a scalar "loss" and, unless --no-images, one legacy
 * Summary.Image "samples" (TF1 / tensorboardX form) of B bytes: a PNG
 * signature and IHDR chunk, then seeded pseudo-random bytes, so every image
 * differs. N images in all, spread over the runs. --no-images writes the
 * same events without the images (the baseline logdir). --audio-mb M adds
 * to run_0 one Summary.Audio (audio/wav) of M MiB. Events are packed by
 * protobuf-c; framing and CRCs come from tb_record_frame().
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "record.h"
#include "tensorboard.pb-c.h"

static uint64_t rng = 88172645463325252ull;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int write_all(int fd, const void *p, size_t n)
{
	const unsigned char *c = p;
	while (n) {
		ssize_t k = write(fd, c, n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += k;
		n -= (size_t)k;
	}
	return 0;
}

static int put_event(int fd, const Tensorboard__Event *ev)
{
	size_t n = tensorboard__event__get_packed_size(ev);
	unsigned char *buf = malloc(n + TB_RECORD_FRAMING);
	unsigned char *payload = malloc(n ? n : 1);
	if (!buf || !payload) {
		free(buf);
		free(payload);
		return -1;
	}
	tensorboard__event__pack(ev, payload);
	tb_record_frame(buf, payload, n);
	int rc = write_all(fd, buf, n + TB_RECORD_FRAMING);
	free(payload);
	free(buf);
	return rc;
}

static int put_value(int fd, double wall, int64_t step, Tensorboard__Summary__Value *v)
{
	Tensorboard__Summary sum = TENSORBOARD__SUMMARY__INIT;
	Tensorboard__Summary__Value *vals[1] = { v };
	sum.n_value = 1;
	sum.value = vals;
	Tensorboard__Event ev = TENSORBOARD__EVENT__INIT;
	ev.wall_time = wall;
	ev.step = step;
	ev.what_case = TENSORBOARD__EVENT__WHAT_SUMMARY;
	ev.summary = &sum;
	return put_event(fd, &ev);
}

int main(int argc, char **argv)
{
	long runs = 1, images = 100, bytes = 100000, audio_mb = 0;
	int no_images = 0;
	static const struct option opts[] = {
		{ "runs", required_argument, NULL, 'r' },
		{ "images", required_argument, NULL, 'n' },
		{ "bytes", required_argument, NULL, 'b' },
		{ "no-images", no_argument, NULL, 'x' },
		{ "audio-mb", required_argument, NULL, 'a' },
		{ "seed", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r': runs = atol(optarg); break;
		case 'n': images = atol(optarg); break;
		case 'b': bytes = atol(optarg); break;
		case 'x': no_images = 1; break;
		case 'a': audio_mb = atol(optarg); break;
		case 's': rng = strtoull(optarg, NULL, 10) | 1; break;
		default:
			fprintf(stderr, "usage: %s OUT [--runs R] [--images N] [--bytes B] "
					"[--no-images] [--audio-mb M] [--seed S]\n", argv[0]);
			return 2;
		}
	}
	if (optind != argc - 1 || runs < 1 || images < 0 || bytes < 33 || audio_mb < 0) {
		fprintf(stderr, "usage: %s OUT [--runs R] [--images N] [--bytes B] [--no-images] "
				"[--audio-mb M] [--seed S]\n", argv[0]);
		return 2;
	}
	const char *out = argv[optind];
	mkdir(out, 0755);
	unsigned char *img = malloc((size_t)bytes);
	if (!img)
		return 1;
	static const unsigned char png_head[33] = {
		0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
		0, 0, 0, 64, 0, 0, 0, 64, 8, 2, 0, 0, 0, 0, 0, 0, 0,
	};
	for (long r = 0; r < runs; r++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/run_%ld", out, r);
		mkdir(path, 0755);
		snprintf(path, sizeof path, "%s/run_%ld/events.out.tfevents.1700000000.gen.%ld.0",
			 out, r, r);
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			perror(path);
			return 1;
		}
		Tensorboard__Event fv = TENSORBOARD__EVENT__INIT;
		fv.wall_time = 1700000000.0;
		fv.what_case = TENSORBOARD__EVENT__WHAT_FILE_VERSION;
		fv.file_version = "brain.Event:2";
		if (put_event(fd, &fv))
			return 1;
		long n = images / runs + (r < images % runs);
		for (long i = 0; i < n; i++) {
			double wall = 1700000000.0 + (double)i * 0.25;
			Tensorboard__Summary__Value sv = TENSORBOARD__SUMMARY__VALUE__INIT;
			sv.tag = "loss";
			sv.value_case = TENSORBOARD__SUMMARY__VALUE__VALUE_SIMPLE_VALUE;
			sv.simple_value = 1.0f / (float)(i + 1);
			if (put_value(fd, wall, i, &sv))
				return 1;
			if (no_images)
				continue;
			memcpy(img, png_head, sizeof png_head);
			for (long k = sizeof png_head; k < bytes; k += 8) {
				uint64_t x = next_rand();
				memcpy(img + k, &x, (size_t)(bytes - k < 8 ? bytes - k : 8));
			}
			Tensorboard__Summary__Image im = TENSORBOARD__SUMMARY__IMAGE__INIT;
			im.height = 64;
			im.width = 64;
			im.colorspace = 3;
			im.encoded_image_string.data = img;
			im.encoded_image_string.len = (size_t)bytes;
			Tensorboard__Summary__Value iv = TENSORBOARD__SUMMARY__VALUE__INIT;
			iv.tag = "samples";
			iv.value_case = TENSORBOARD__SUMMARY__VALUE__VALUE_IMAGE;
			iv.image = &im;
			if (put_value(fd, wall, i, &iv))
				return 1;
		}
		if (r == 0 && audio_mb) {
			size_t len = (size_t)audio_mb << 20;
			unsigned char *clip = calloc(1, len);
			if (!clip)
				return 1;
			memcpy(clip, "RIFF\0\0\0\0WAVEfmt ", 16);
			for (size_t k = 44; k < len; k += 4096)
				clip[k] = (unsigned char)next_rand();
			Tensorboard__Summary__Audio au = TENSORBOARD__SUMMARY__AUDIO__INIT;
			au.sample_rate = 16000;
			au.num_channels = 1;
			au.length_frames = (int64_t)(len / 2);
			au.encoded_audio_string.data = clip;
			au.encoded_audio_string.len = len;
			au.content_type = "audio/wav";
			Tensorboard__Summary__Value av = TENSORBOARD__SUMMARY__VALUE__INIT;
			av.tag = "big_clip";
			av.value_case = TENSORBOARD__SUMMARY__VALUE__VALUE_AUDIO;
			av.audio = &au;
			if (put_value(fd, 1700000000.0, 0, &av))
				return 1;
			free(clip);
		}
		close(fd);
	}
	free(img);
	return 0;
}
