/* NVMe Identify Controller through libnvme, when built with it. Opening the
 * controller's character device and sending an admin command needs root. */
#include "devices/discover.h"

#include <errno.h>
#include <string.h>

#ifdef SR_HAVE_LIBNVME
#include <endian.h>
#include <fcntl.h>
#include <unistd.h>

#include <libnvme.h>

/* Identify strings are space-padded, not NUL-terminated. */
static void idstr(char *dst, size_t n, const char *src, size_t len)
{
	if (len >= n)
		len = n - 1;
	memcpy(dst, src, len);
	dst[len] = 0;
	while (len && (dst[len - 1] == ' ' || dst[len - 1] == 0))
		dst[--len] = 0;
}

int sr_nvme_identify(const char *ctrl_dev, struct sr_blkdev *d)
{
	struct nvme_id_ctrl id;
	int fd, ret;

	fd = open(ctrl_dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(&id, 0, sizeof(id));
	ret = nvme_identify_ctrl(fd, &id);
	if (ret < 0)
		ret = -errno;
	else if (ret > 0)
		ret = -EIO; /* an NVMe status code: the controller refused */
	close(fd);
	if (ret)
		return ret;
	idstr(d->id_model, sizeof(d->id_model), id.mn, sizeof(id.mn));
	idstr(d->id_serial, sizeof(d->id_serial), id.sn, sizeof(id.sn));
	idstr(d->id_fw, sizeof(d->id_fw), id.fr, sizeof(id.fr));
	d->id_nn = le32toh(id.nn);
	d->id_mdts = id.mdts;
	d->id_max_xfer = id.mdts && id.mdts < 32 ? (4096ull << id.mdts) : 0;
	d->id_ok = 1;
	return 0;
}
#else
int sr_nvme_identify(const char *ctrl_dev, struct sr_blkdev *d)
{
	(void)ctrl_dev;
	(void)d;
	return -ENOTSUP;
}
#endif
